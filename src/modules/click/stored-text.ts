/**
 * The longest error, note or detail a Click record keeps (`last_error`, an
 * event's `detail`, an alert's message, a reversal's answer or note): what
 * Click or Medusa said can be a whole HTML page or a stack, and a row keeps
 * enough to act on, never an unbounded text.
 */
export const STORED_TEXT_MAX_CHARS = 2000

/** `text` cut to what a Click record keeps (null stays null). */
export function storedText(text: string): string
export function storedText(text: string | null | undefined): string | null
export function storedText(text: string | null | undefined): string | null {
  return text == null ? null : text.slice(0, STORED_TEXT_MAX_CHARS)
}
