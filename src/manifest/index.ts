/** Manifest loading and validation: YAML/JSON with source positions, JSON Schema + semantic rules, defaults. */
export { formatManifestError, ManifestValidationError, sortManifestErrors, type ManifestError } from "./errors.js";
export {
  ManifestCollector,
  type ManifestCollectorOptions,
  parseManifestText,
  parseManifestTextOrThrow,
  validateManifestObjects,
  validateManifestObjectsOrThrow,
  type ManifestParseResult,
  type ManifestSource,
} from "./parse.js";
export { loadManifests, MANIFEST_EXTENSIONS, STDIN_NAME, type LoadManifestsOptions } from "./load.js";
export { InputTooLargeError, readStreamBounded } from "./bounded-read.js";
export { MAX_ERRORS_PER_FILE } from "./error-list.js";
export { DEFAULT_YAML_LIMITS, FORBIDDEN_KEYS, readYamlDocuments, type YamlDocument, type YamlLimits, type YamlReadResult } from "./safe-yaml.js";
export { formatPath, type PathSegment, type SourcePosition } from "./source-map.js";
export { kindSchema, readSchema, schemasDirectory, SCHEMA_FILES, COMMON_SCHEMA_FILE } from "./schemas.js";
export { validateObject, type Issue, type ObjectValidation } from "./validate.js";
