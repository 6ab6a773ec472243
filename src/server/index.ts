/** The live control plane (`memplane serve`): the HTTP API server and its pieces. */
export { startServer, needsToken, ServerOptionsError, type RunningServer, type ServerOptions } from "./server.js";
export { toHttpError } from "./answers.js";
export { DEFAULT_SERVER_LIMITS, type ServerLimits } from "./limits.js";
export { generateToken, readTokenFile, writeTokenFile, tokenFileWarning, tokensEqual, isLoopback, TOKEN_FILE, MIN_TOKEN_LENGTH } from "./auth.js";
export { hostAllowed, parseHostHeader, invalidAllowedHost, type HostRules } from "./host-check.js";
export { renderMetrics, PROMETHEUS_CONTENT_TYPE } from "./metrics.js";
export { parseRoute, resourcePath, GROUP_PREFIX, CORE_PREFIX, type Route, type ResourceRoute } from "./routes.js";
export { HttpError, failureStatus, type Status } from "./status.js";
export { isDns1123Label, isDns1123Subdomain } from "./names.js";
export type { StreamStats } from "./streams.js";
export { ServerClock, MAX_STEP_TICKS, type ClockStatus, type ClockChange } from "./clock-control.js";
export { ENDPOINT_FILE, readEndpoint, removeEndpoint, writeEndpoint, type ServerEndpoint } from "./endpoint.js";
