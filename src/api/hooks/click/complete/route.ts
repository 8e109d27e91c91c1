import type { CompleteRequest } from "../../../../click"
import { handleComplete } from "../../../../payments/complete"
import { clickCallbackRoute } from "../click-callback-route"

export const POST = clickCallbackRoute("complete", (container, verified, log) =>
  handleComplete(
    container,
    verified.request as CompleteRequest,
    { confirmation: verified.confirmation, cancelOfConfirmedAnswer: verified.cancelOfConfirmedAnswer },
    log
  )
)
