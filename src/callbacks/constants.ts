export const CLICK_PROVIDER_ID = "pp_click_click"
