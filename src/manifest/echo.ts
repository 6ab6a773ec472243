/**
 * Showing a user's input back to them in an error message without letting it make the message
 * huge: a key, tag or value longer than {@link MAX_ECHO_CHARS} is cut, with an ellipsis and its
 * length, so a 1 MB key costs a line of about a hundred characters, not two megabytes.
 */

/** The most characters of one piece of input a message repeats. */
export const MAX_ECHO_CHARS = 80;

/** The most characters of one whole message (a guard for messages that echo several pieces). */
export const MAX_MESSAGE_CHARS = 1000;

/** The start of `text` when it is too long to repeat whole, else `undefined`. */
function head(text: string, max: number): string | undefined {
  if (text.length <= max) return undefined;
  let end = max;
  // do not cut a surrogate pair in half
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return text.slice(0, end);
}

/** `text` quoted as JSON; when long, its start, an ellipsis and its length: `"kkkk…" (1000000 characters)`. */
export function quoteInput(text: string, max = MAX_ECHO_CHARS): string {
  const start = head(text, max);
  return start === undefined ? JSON.stringify(text) : `${JSON.stringify(`${start}…`)} (${text.length} characters)`;
}

/** `text` unquoted; when long, its start, an ellipsis and its length: `kkkk… (1000000 characters)`. */
export function shortenInput(text: string, max = MAX_ECHO_CHARS): string {
  const start = head(text, max);
  return start === undefined ? text : `${start}… (${text.length} characters)`;
}

/** A message cut to {@link MAX_MESSAGE_CHARS} (a last guard; the pieces in it are shortened already). */
export function boundMessage(message: string): string {
  const start = head(message, MAX_MESSAGE_CHARS);
  return start === undefined ? message : `${start}… (message cut at ${MAX_MESSAGE_CHARS} of ${message.length} characters)`;
}

/** Describes a value in a message: `"abc"` (a long string cut at 40 characters), `-5`, `true`, `a mapping`, `a list`, `null`. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "a mapping";
  return String(value);
}
