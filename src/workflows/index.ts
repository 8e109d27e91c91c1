export { markMedusaPaymentPlaced, placeClickOrderWorkflow, recordFoundClickOrderWorkflow, recordOrderPlacedStep } from "./place-click-order"
export type { PlaceClickOrderInput } from "./place-click-order"
