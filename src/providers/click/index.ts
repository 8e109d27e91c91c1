import { ModuleProvider, Modules } from "@medusajs/framework/utils"
import ClickProviderService from "./service"

export default ModuleProvider(Modules.PAYMENT, {
  services: [ClickProviderService],
})
