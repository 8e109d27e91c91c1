export const ClickErrorCode = {
  Success: 0,
  SignCheckFailed: -1,
  IncorrectAmount: -2,
  ActionNotFound: -3,
  AlreadyPaid: -4,
  UserNotFound: -5,
  TransactionNotFound: -6,
  FailedToUpdate: -7,
  BadRequest: -8,
  TransactionCancelled: -9,
} as const

export type ClickErrorCodeValue = (typeof ClickErrorCode)[keyof typeof ClickErrorCode]

const NOTES: Record<ClickErrorCodeValue, string> = {
  [ClickErrorCode.Success]: "Success",
  [ClickErrorCode.SignCheckFailed]: "SIGN CHECK FAILED!",
  [ClickErrorCode.IncorrectAmount]: "Incorrect parameter amount",
  [ClickErrorCode.ActionNotFound]: "Action not found",
  [ClickErrorCode.AlreadyPaid]: "Already paid",
  [ClickErrorCode.UserNotFound]: "User does not exist",
  [ClickErrorCode.TransactionNotFound]: "Transaction does not exist",
  [ClickErrorCode.FailedToUpdate]: "Failed to update user",
  [ClickErrorCode.BadRequest]: "Error in request from click",
  [ClickErrorCode.TransactionCancelled]: "Transaction cancelled",
}

export function clickErrorNote(code: ClickErrorCodeValue): string {
  return NOTES[code]
}
