import { Module } from "@medusajs/framework/utils"
import ClickModuleService from "./service"

export const CLICK_MODULE = "click"

export default Module(CLICK_MODULE, {
  service: ClickModuleService,
})

export { ClickTransactionState } from "./models/click-transaction"
export type { ClickTransactionStateValue } from "./models/click-transaction"
