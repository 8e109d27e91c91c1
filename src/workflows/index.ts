export { placeOrderForClickPayment, placeOrderUnderLock } from "./place-order-for-click-payment"
export type { PlaceOrderResult } from "./place-order-for-click-payment"
