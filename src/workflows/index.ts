export { markMedusaPaymentPlaced, placeClickOrderWorkflow, recordFoundClickOrderWorkflow, recordOrderPlacedStep } from "./place-click-order"
export type { ClickPaymentToPlace, PlaceClickOrderInput, RecordFoundClickOrderInput } from "./place-click-order"
