/** File extensions read as manifests when a directory is given to `-f` (kept apart so the CLI can use it without loading the reader). */
export const MANIFEST_EXTENSIONS: readonly string[] = [".yaml", ".yml", ".json"];
