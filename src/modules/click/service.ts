import { MedusaService } from "@medusajs/framework/utils"
import ClickCallback from "./models/click-callback"
import ClickTransaction from "./models/click-transaction"

class ClickModuleService extends MedusaService({
  ClickTransaction,
  ClickCallback,
}) {}

export default ClickModuleService
