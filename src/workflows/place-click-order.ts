import { addOrderTransactionStep, authorizePaymentSessionStep, completeCartWorkflow } from "@medusajs/medusa/core-flows"
import {
  createStep,
  createWorkflow,
  StepResponse,
  transform,
  WorkflowResponse,
} from "@medusajs/framework/workflows-sdk"
import type { MedusaContainer } from "@medusajs/framework/types"
import { Modules } from "@medusajs/framework/utils"
import { CLICK_MODULE, ClickPaymentState, type FiscalReceiptStatusValue } from "../modules/click"
import type { ClickSessionData } from "../providers/click/session-data"
import type ClickModuleService from "../modules/click/service"

/**
 * What placement read of the claimed payment (one read, under its claim) and
 * hands on: the mark on Medusa's Payment is made of it. Plain values, because
 * a step's input is stored with the workflow; none of them changes once the
 * payment is `confirmed`.
 */
export interface ClickPaymentToPlace {
  transaction_id: string
  /** The Click attempt's own payment session (the one its debit stamped). */
  payment_session_id: string
  click_paydoc_id: string | null
  merchant_prepare_id: number
}

export interface PlaceClickOrderInput extends ClickPaymentToPlace {
  cart_id: string
  /** `pending` when the order needs a fiscal receipt. */
  fiscal_status?: FiscalReceiptStatusValue
}

/**
 * Marks Medusa's Payment of a Click payment as belonging to a placed order:
 * the provider's refundPayment reverses only such a payment at Click.
 */
export async function markMedusaPaymentPlaced(container: MedusaContainer, payment: ClickPaymentToPlace, orderId: string) {
  const paymentModule = container.resolve(Modules.PAYMENT)
  const [medusaPayment] = await paymentModule.listPayments(
    { payment_session_id: payment.payment_session_id },
    { select: ["id", "data"] }
  )
  if (!medusaPayment) {
    return
  }
  const placed: ClickSessionData["click_placed"] = {
    order_id: orderId,
    paydoc_id: payment.click_paydoc_id,
    merchant_prepare_id: payment.merchant_prepare_id,
  }
  // UpdatePaymentDTO declares only the id, but the payment module writes every field it is given.
  const update = { id: medusaPayment.id, data: { ...medusaPayment.data, click_placed: placed } }
  await paymentModule.updatePayment(update)
}

/**
 * Records the order on the payment (confirmed → placed) and marks Medusa's
 * Payment as placed, which is what lets an admin refund reverse it at Click
 * (the provider's refundPayment). If either write fails, the step throws and
 * the workflow compensates the nested cart completion, so the order and the
 * payment's state never disagree: the payment stays `confirmed` and a later
 * attempt places it again.
 */
export const recordOrderPlacedStep = createStep(
  "record-click-order-placed",
  async (
    input: ClickPaymentToPlace & {
      order_id: string
      fiscal_status?: FiscalReceiptStatusValue
      /** Why the payment is placed: `order_placed` by this placement, `order_found` from an interrupted one. */
      reason?: "order_placed" | "order_found"
    },
    { container }
  ) => {
    const payments = container.resolve<ClickModuleService>(CLICK_MODULE)
    // Whoever's claim wrote it, this is the cart's only live order (the database refuses a
    // second, medusa-tables.ts): recording it needs no claim, and a stalled placement
    // whose order was the one kept still ends `placed` instead of compensating it away.
    await markMedusaPaymentPlaced(container, input, input.order_id)
    const moved = await payments.transition({
      id: input.transaction_id,
      from: ClickPaymentState.Confirmed,
      to: ClickPaymentState.Placed,
      reason: input.reason ?? "order_placed",
      set: { order_id: input.order_id, last_error: null, fiscal_status: input.fiscal_status },
    })
    if (!moved) {
      const current = await payments.retrieveClickTransaction(input.transaction_id, {
        select: ["state", "order_id"],
      })
      if (current.state !== ClickPaymentState.Placed || current.order_id !== input.order_id) {
        throw new Error(`Click payment ${input.transaction_id} is ${current.state}, not confirmed: its order is not recorded`)
      }
    }
    return new StepResponse({ order_id: input.order_id })
  }
)

/**
 * A confirmed Click payment becomes its cart's order. Medusa's
 * completeCartWorkflow runs nested, as a step: in 2.21 a nested run skips its
 * own lock on the bare cart id (acquireLockStep returns early when it has a
 * parent step), so a crash can never leave Medusa's owner-less lock row
 * behind for this cart. Exclusion comes from the placement claim instead
 * (src/payments/placement/place-order.ts), which every caller takes first.
 */
export const placeClickOrderWorkflow = createWorkflow(
  "place-click-order",
  (input: PlaceClickOrderInput) => {
    const order = completeCartWorkflow.runAsStep({ input: { id: input.cart_id } })
    const placed = recordOrderPlacedStep({
      transaction_id: input.transaction_id,
      payment_session_id: input.payment_session_id,
      click_paydoc_id: input.click_paydoc_id,
      merchant_prepare_id: input.merchant_prepare_id,
      order_id: order.id,
      fiscal_status: input.fiscal_status,
    })
    return new WorkflowResponse(placed)
  }
)

export interface RecordFoundClickOrderInput extends ClickPaymentToPlace {
  order_id: string
  fiscal_status?: FiscalReceiptStatusValue
}

/**
 * The cart already has its order: an earlier placement died inside
 * completeCartWorkflow after the order and its links were written. Medusa
 * authorizes the payment last, so the order may have no payment yet. This
 * finishes that run's tail, each step safe to repeat: authorize the Click
 * session (the payment module returns the payment an earlier authorization
 * made), add the capture to the order's transactions (the step skips those
 * already there), then confirmed → placed. Without it the order would stay
 * unpaid in the admin, and the debit would look like another provider's.
 */
export const recordFoundClickOrderWorkflow = createWorkflow(
  "record-found-click-order",
  (input: RecordFoundClickOrderInput) => {
    const payment = authorizePaymentSessionStep({ id: input.payment_session_id })
    const captures = transform({ payment, input }, ({ payment, input }) =>
      (payment?.captures ?? []).map((capture) => ({
        order_id: input.order_id,
        amount: capture.raw_amount ?? capture.amount,
        currency_code: payment!.currency_code,
        reference: "capture",
        reference_id: capture.id,
      }))
    )
    addOrderTransactionStep(captures)
    const placed = recordOrderPlacedStep({
      transaction_id: input.transaction_id,
      payment_session_id: input.payment_session_id,
      click_paydoc_id: input.click_paydoc_id,
      merchant_prepare_id: input.merchant_prepare_id,
      order_id: input.order_id,
      fiscal_status: input.fiscal_status,
      reason: "order_found",
    })
    return new WorkflowResponse(placed)
  }
)
