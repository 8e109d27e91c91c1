import { answerLateComplete, handleComplete } from "../../../../payments/callbacks/complete"
import { clickCallbackRoute } from "../click-callback-route"

export const POST = clickCallbackRoute("complete", handleComplete, answerLateComplete)
