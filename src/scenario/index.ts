/** The Scenario kind's runtime: timed apply/patch/delete steps applied at the start of ticks. */
export { runDueScenarioSteps, runOrder, runStep, ScenarioSpecError, SCENARIO_CONTROLLER, MAX_SCENARIO_BACKOFF_TICKS } from "./runner.js";
export type { TickStart } from "./runner.js";
export { mergePatch } from "./merge-patch.js";
