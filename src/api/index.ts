/** The resource API: kinds and their types, quantities, durations, defaults and kind names. */
export * from "./types.js";
export {
  PAGE_SIZE,
  QuantityError,
  QUANTITY_PATTERN,
  PERCENT_STRING_PATTERN,
  BINARY_SUFFIXES,
  DECIMAL_SUFFIXES,
  parseQuantity,
  isQuantity,
  quantityToPages,
  bytesToPages,
  bytesToQuantity,
  pagesToQuantity,
  canonicalQuantity,
  formatPagesHuman,
  isPercentString,
  percentOrQuantityToPages,
} from "./quantity.js";
export { DurationError, DURATION_PATTERN, parseDuration, parseSimTime, isDuration, formatSimTime, tickLengthProblem, MAX_DURATION_SECONDS, MIN_TICK_SECONDS, MAX_TICK_SECONDS } from "./duration.js";
export {
  applyDefaults,
  percentValue,
  defaultHostSpec,
  defaultVirtualMachineSpec,
  defaultGuestOSProfileSpec,
  DEFAULT_MEMORY_STATES,
  DEFAULT_BALLOONING,
  DEFAULT_COMPRESSION,
  DEFAULT_SWAP,
  DEFAULT_PAGE_SHARING,
  DEFAULT_TOOLS,
  DEFAULT_WORKLOAD,
  HOST_SPEC_DEFAULTS,
  VM_SPEC_DEFAULTS,
  GUEST_OS_PROFILE_SPEC_DEFAULTS,
  type ManifestInput,
} from "./defaults.js";
export { resolveKind, isNamespaced, isManifestKind, isKind, kindNames, kindPath, KIND_INFO, MANIFEST_KINDS, ALL_KINDS, STORE_ORDER, GROUP_API_PATH, CORE_API_PATH, type KindInfo } from "./kinds.js";
