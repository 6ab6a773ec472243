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

/** The width of each column: its widest cell or header. */
export function columnWidths(headers: readonly string[], rows: readonly (readonly string[])[]): number[] {
  return headers.map((h, i) => Math.max(visibleWidth(h), ...rows.map((r) => visibleWidth(r[i] ?? ""))));
}

/** Renders rows padded to `widths` (as {@link renderTable} does; `get -w` keeps its first widths). */
export function renderRows(rows: readonly (readonly string[])[], widths: readonly number[]): string {
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + " ".repeat(Math.max(0, (widths[i] ?? 0) - visibleWidth(cell)) + 3)))
      .join("")
      .trimEnd() + "\n";
  return rows.map(line).join("");
}

/** Renders rows under headers; every line ends in "\n". */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  return renderRows([headers, ...rows], columnWidths(headers, rows));
}
