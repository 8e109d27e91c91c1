/** How Medusa names this provider: `pp_{identifier}_{id}` with identifier and id both "click". */
export const CLICK_PROVIDER_ID = "pp_click_click"
