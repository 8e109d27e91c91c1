import { handlePrepare } from "../../../../payments/callbacks/prepare"
import { clickCallbackRoute } from "../click-callback-route"

export const POST = clickCallbackRoute("prepare", handlePrepare)
