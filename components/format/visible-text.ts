// Text from outside (commit titles, branch names, names from GitHub, audit summaries that quote them) as it
// is shown on every page but the log viewer: control characters and the invisible characters that reorder
// text become visible escapes, so "\x1b[2J" or a right-to-left override cannot hide or disguise anything.
// Rows stored before input was checked can hold them, so pages format at display time.

// C0 controls, DEL, C1 controls; bidirectional embeddings, overrides and isolates; zero-width characters,
// line and paragraph separators and the byte-order mark
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

function escape(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** `text` with every control or invisible formatting character shown as \xNN or \uNNNN. */
export function visibleText(text: string | null | undefined): string {
  return (text ?? "").replace(INVISIBLE, escape);
}
