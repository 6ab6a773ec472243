/**
 * What-if comparison of reclamation outcomes (issue 5): run one cluster under several variants
 * and line up balloon, swap, compression, guest swap, stall and host-state time per object.
 */
export { compareVariants, compareReportJson } from "./compare.js";
export type { CompareOptions, CompareReport, HostComparison, VmComparison } from "./compare.js";
export { OutcomeRecorder, HOST_STATES, percentile } from "./outcomes.js";
export type { HostOutcome, PeakFinal, VmOutcome } from "./outcomes.js";
export { overlayObjects, parsePolicyList, policyVariants, withPolicy, POLICIES } from "./variants.js";
export type { CompareVariant } from "./variants.js";
export { hostTable, vmTable } from "./table.js";
export type { TextTable } from "./table.js";
