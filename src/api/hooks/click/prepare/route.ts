import { handlePrepare } from "../../../../payments/prepare"
import { clickCallbackRoute } from "../click-callback-route"

export const POST = clickCallbackRoute("prepare", (container, verified, log) =>
  handlePrepare(container, verified.request, log)
)
