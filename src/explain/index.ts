/** Explanations (why a VM or host is where it is) and advice (what to change), as library functions. */
export { explainVm, type Explanation } from "./explain-vm.js";
export { explainHost } from "./explain-host.js";
export { ExplainError, type ExplainErrorReason } from "./errors.js";
