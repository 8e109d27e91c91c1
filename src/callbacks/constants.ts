export const CLICK_PROVIDER_ID = "pp_click_click"

/** Our own lock namespace: Medusa's completeCartWorkflow locks the bare cart id. */
export const clickCartLockKey = (cartId: string) => `click:cart:${cartId}`

export const CLICK_LOCK_TIMEOUT_SEC = 30
