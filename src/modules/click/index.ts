import { Module } from "@medusajs/framework/utils"
import ClickModuleService from "./service"

export const CLICK_MODULE = "click"

export default Module(CLICK_MODULE, {
  service: ClickModuleService,
})

export * from "./payment-state"
export type { AttemptOfComplete, ClickInvoiceRecord, MovedPayment, OpenAlert, StoredReconcileStreak, TransitionInput, WorkClaim } from "./types"
