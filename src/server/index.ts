/** The live control plane (`memplane serve`): the HTTP API server and its pieces. */
export { startServer, needsToken, toHttpError, DEFAULT_SERVER_LIMITS, ServerOptionsError, type RunningServer, type ServerLimits, type ServerOptions } from "./server.js";
export { generateToken, readTokenFile, writeTokenFile, tokensEqual, isLoopback, TOKEN_FILE, MIN_TOKEN_LENGTH } from "./auth.js";
export { renderMetrics, PROMETHEUS_CONTENT_TYPE } from "./metrics.js";
export { parseRoute, resourcePath, GROUP_PREFIX, CORE_PREFIX, type Route, type ResourceRoute } from "./routes.js";
export { HttpError, failureStatus, type Status } from "./status.js";
export { isDns1123Label } from "./names.js";
