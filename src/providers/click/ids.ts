/** How Medusa names this provider: `pp_{identifier}_{id}` with identifier and id both "click". */
export const CLICK_PROVIDER_ID = "pp_click_click"

/** The provider's name for the payment module's webhook entry point. */
export const CLICK_WEBHOOK_PROVIDER = "click_click"

/** Header our own callback routes set so the provider knows which endpoint was called. */
export const CLICK_ENDPOINT_HEADER = "x-click-endpoint"
