/**
 * kubectl-style tables: an upper-case header row, left-aligned columns separated by three
 * spaces, no borders and no trailing blanks. Cells may carry ANSI colour: widths count what
 * the terminal shows.
 */

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** The printed width of a cell (ANSI escapes take no columns). */
export function visibleWidth(text: string): number {
  return text.replace(ANSI, "").length;
}

/** Renders rows under headers; every line ends in "\n". */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(visibleWidth(h), ...rows.map((r) => visibleWidth(r[i] ?? ""))));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + " ".repeat(widths[i]! - visibleWidth(cell) + 3)))
      .join("")
      .trimEnd() + "\n";
  return line(headers) + rows.map(line).join("");
}
