import type { CompleteRequest } from "../../../../click"
import { answerLateComplete, handleComplete } from "../../../../payments/callbacks/complete"
import { clickCallbackRoute } from "../click-callback-route"

export const POST = clickCallbackRoute(
  "complete",
  (container, verified, log) =>
    handleComplete(
      container,
      verified.request as CompleteRequest,
      { confirmation: verified.confirmation, cancelOfConfirmedAnswer: verified.cancelOfConfirmedAnswer },
      log
    ),
  (container, late, log) =>
    answerLateComplete(container, late.request as CompleteRequest, { cancelOfConfirmedAnswer: late.cancelOfConfirmedAnswer }, log)
)
