/** The colour of each host memory state on a terminal (get hosts, top): the usual green-to-red ladder. */
import type { HostMemoryState } from "../api/types.js";

/** A colour a terminal may give a cell (the names of cli/terminal.ts's ANSI_COLORS). */
export type CellColor = "red" | "green" | "yellow" | "blue" | "magenta" | "cyan" | "gray" | "bold";

/** Terminal colour of each host memory state, from high (green) down to low (magenta). */
export const HOST_STATE_COLORS: Readonly<Record<HostMemoryState, "green" | "cyan" | "yellow" | "red" | "magenta">> = {
  high: "green",
  clear: "cyan",
  soft: "yellow",
  hard: "red",
  low: "magenta",
};
