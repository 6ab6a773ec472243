/** Explanations (why a VM or host is where it is) and advice (what to change), as library functions. */
export { explainVm, type Explanation } from "./explain-vm.js";
export { explainHost } from "./explain-host.js";
export { ExplainError, type ExplainErrorReason } from "./errors.js";
export { adviseManifests, adviseEngine, DEFAULT_ADVISE_SECONDS, DEFAULT_WHAT_IF_VMS, type AdviseOptions } from "./advise/advise.js";
export { formatAdvice } from "./advise/format.js";
export { SEVERITIES, severityRank, reachesSeverity, type Severity, type Finding, type AdviceReport } from "./advise/types.js";
