import { describe, expect, it } from "vitest"
import { ClickErrorCode, clickErrorNote } from "../../../src/click"

describe("clickErrorNote", () => {
  it("gives Click's documented note for every code", () => {
    const notes = Object.values(ClickErrorCode).map((code) => [code, clickErrorNote(code)])
    expect(notes).toEqual([
      [0, "Success"],
      [-1, "SIGN CHECK FAILED!"],
      [-2, "Incorrect parameter amount"],
      [-3, "Action not found"],
      [-4, "Already paid"],
      [-5, "User does not exist"],
      [-6, "Transaction does not exist"],
      [-7, "Failed to update user"],
      [-8, "Error in request from click"],
      [-9, "Transaction cancelled"],
    ])
  })
})
