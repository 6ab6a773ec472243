/**
 * memplane's public library API (docs/library.md): explicit named exports only. Import from
 * `"memplane"`; everything else is internal and may change.
 */
import "reflect-metadata";

// ---- the engine
export { SimulationEngine, SnapshotError, ENGINE_SNAPSHOT_VERSION } from "./engine/engine.js";
export { createEngine } from "./composition/create-engine.js";
export { NoMemoryModelError } from "./engine/model-binding.js";
export type { Engine, EngineSnapshot, EngineStore, WorkerShard } from "./engine/engine.js";
export { ENGINE_DEFAULTS, EngineOptionError, resolveEngineOptions } from "./engine/options.js";
export type { EngineOptions, ResolvedEngineOptions } from "./engine/options.js";
export { MAX_BACKOFF_TICKS, TickInProgressError } from "./engine/manager.js";
export { TickEndedError } from "./engine/tick-writes.js";
export { PlainDataError } from "./engine/plain-data.js";
export type { TickSummary, ManagerState, RequeueEntry } from "./engine/manager.js";
export { DEFAULT_MAX_EVENTS } from "./engine/tick-writes.js";
export { ManualClock, RealTimeClock } from "./engine/clock.js";
export type { SimulationClock, ClockState, RealTimeClockOptions, Timers } from "./engine/clock.js";
export { SeededRandom } from "./engine/random.js";
export type { RandomState } from "./engine/random.js";
export { ControllerRegistryError, MAX_CONTROLLER_NAME_LENGTH, orderControllers, RESERVED_CONTROLLER_NAMES } from "./engine/registry.js";

// ---- the controller contract
export { CONTROLLER_ORDER, CUSTOM_CONTROLLERS_SLOT } from "./engine/controller.js";
export type { Controller, ControllerStore, ReconcileContext, ReconcileRequest, ReconcileResult, StatusPatch } from "./engine/controller.js";
export { HypervisorMemoryModel } from "./hypervisor/memory-model.js";
export type { MemoryModel, MemoryModelEngineOps, MemoryModelReader, MemoryModelVerbs, MemoryModelSnapshot } from "./hypervisor/memory-model.js";

// ---- dependency injection
export { TOKENS } from "./di/tokens.js";
export { engineModule } from "./composition/engine-module.js";
export { createEngineContainer, DEFAULT_ENGINE_MODULES } from "./composition/container.js";
export { hypervisorModule } from "./hypervisor/module.js";
export { builtinControllersModule } from "./controllers/module.js";

// ---- reconciliation log
export type { LogEntry, LogEntryInput, KnownLogAction } from "./engine/log-entry.js";
export { formatLogJson, formatLogText, formatLogObject, LOG_TEXT_COLUMNS } from "./engine/log-format.js";
export type { LogTextOptions } from "./engine/log-format.js";

// ---- the store
export { MemoryStore, STORE_KINDS } from "./store/memory-store.js";
export type { MemoryStoreOptions, StoreSnapshot } from "./store/memory-store.js";
export type {
  ApplyOptions,
  ApplyOutcome,
  ApplyResult,
  DeepReadonly,
  ListOptions,
  ResourceReader,
  ResourceStore,
  StatusWriter,
  WatchEvent,
} from "./store/types.js";
export { StoreError, NotFoundError, AlreadyExistsError, ConflictError, LabelSelectorError, InvalidObjectError } from "./store/errors.js";
export { parseLabelSelector, matchesLabelSelector } from "./store/label-selector.js";
export type { LabelSelector, LabelRequirement } from "./store/label-selector.js";

// ---- resources
export { API_VERSION, DEFAULT_NAMESPACE, NAMESPACED_KINDS } from "./api/types.js";
export type {
  BallooningSpec,
  BalloonDriverHealth,
  CompressionSpec,
  GuestFloor,
  Condition,
  DurationString,
  GuestOSProfile,
  GuestOSProfileSpec,
  Host,
  HostMemoryState,
  HostMemoryStatus,
  HostSpec,
  HostStatus,
  Kind,
  KindMap,
  ManifestKind,
  ManifestObject,
  MemoryStatesSpec,
  MemplaneEvent,
  ObjectKey,
  ObjectMeta,
  PageSharingSpec,
  PercentString,
  Quantity,
  ReclamationPolicy,
  Scenario,
  ScenarioObjectRef,
  ScenarioSpec,
  ScenarioStatus,
  ScenarioStep,
  ScenarioTargetKind,
  Shares,
  SimTimestamp,
  StoredObject,
  SwapSpec,
  ToolsSpec,
  VirtualMachine,
  VirtualMachineMemoryStatus,
  VirtualMachineRates,
  VirtualMachineSpec,
  VirtualMachineStatus,
  VmPhase,
  WorkloadPhase,
  WorkloadSpec,
} from "./api/types.js";

// ---- quantities, durations, kinds
export {
  PAGE_SIZE,
  QuantityError,
  parseQuantity,
  quantityToPages,
  pagesToQuantity,
  canonicalQuantity,
  formatPagesHuman,
} from "./api/quantity.js";
export { DEFAULT_EPOCH, formatTimestamp, timestampSeconds } from "./api/timestamps.js";
export { DurationError, parseDuration, formatSimTime, MAX_DURATION_SECONDS, MIN_TICK_SECONDS, MAX_TICK_SECONDS } from "./api/duration.js";
export { resolveKind, isKind, kindPath, KIND_INFO, type KindInfo } from "./api/kinds.js";
export { applyDefaults, type ManifestInput } from "./api/defaults.js";

// ---- manifests
export {
  loadManifests,
  parseManifestText,
  parseManifestTextOrThrow,
  validateManifestObjects,
  validateManifestObjectsOrThrow,
  ManifestValidationError,
  formatManifestError,
} from "./manifest/index.js";
export type { ManifestError, ManifestParseResult, LoadManifestsOptions } from "./manifest/index.js";

// ---- explanations and advice
export { explainVm, explainHost, ExplainError, adviseManifests, adviseEngine, formatAdvice, reachesSeverity, severityRank, SEVERITIES, type Explanation, type ExplainErrorReason, type AdviseOptions, type AdviceReport, type Finding, type Severity } from "./explain/index.js";

// ---- what-if comparison of reclamation policies and manifest variants
export { compareVariants, compareReportJson, OutcomeRecorder, HOST_STATES, percentile, overlayObjects, parsePolicyList, policyVariants, withPolicy, POLICIES, hostTable, vmTable } from "./compare/index.js";
export type { CompareOptions, CompareReport, CompareVariant, HostComparison, VmComparison, HostOutcome, PeakFinal, VmOutcome, TextTable } from "./compare/index.js";

// ---- Scenario runtime and the optional policy controllers
export { runDueScenarioSteps, mergePatch, SCENARIO_CONTROLLER } from "./scenario/index.js";
export { MomController, SqueezedController } from "./controllers/policy/named-controllers.js";
export { PolicyBalloonController } from "./controllers/policy/policy-balloon-controller.js";
export { MOM_POLICY, momDecide, momPressure } from "./policies/mom/mom-policy.js";
export type { MomGuest, MomDecision } from "./policies/mom/mom-policy.js";
export { proportionalTargets } from "./policies/squeezed/squeezed-policy.js";
export type { SqueezedDomain, SqueezedAllocation } from "./policies/squeezed/squeezed-policy.js";

// ---- reclamation policies as plug-ins (docs/policies.md)
export { POLICY_REGISTRY, POLICY_NAMES, policyOf } from "./policies/registry.js";
export type { PolicyName } from "./policies/registry.js";
export type {
  BalloonDoneReason,
  BalloonLogRule,
  BalloonVerdict,
  HostBalloonRule,
  HostBalloonVerdict,
  HostScopedPolicy,
  HostView,
  PageOutRule,
  PageOutVerdict,
  PolicyPlugin,
  PolicyReader,
  VmBalloonRule,
  VmBalloonVerdict,
  VmView,
} from "./policies/policy.js";

// Per-tick metrics series and the HTML report.
export { MetricsRecorder, metricsToCsv } from "./metrics/index.js";
export type { MetricsRecorderOptions, MetricsSeriesData } from "./metrics/index.js";
export { renderReport, reportVmContext } from "./report/index.js";
export type { PhaseMarker, ReportOptions, ReportVmContext } from "./report/index.js";

// The HTTP API server (`memplane serve` in code; docs/server.md).
export { startServer, needsToken, ServerOptionsError } from "./server/index.js";
export type { RunningServer, ServerOptions } from "./server/index.js";

// kubectl-style text tables, as the CLI prints them.
export { renderTable } from "./cli/output/table.js";
