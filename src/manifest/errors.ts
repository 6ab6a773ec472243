/**
 * Errors a user causes by writing a bad manifest: each names the file, line, column and field,
 * and says what is wrong in one short sentence. They are data (never stack traces); the CLI prints
 * them with {@link formatManifestError}.
 */

/** One problem in a manifest. `line`/`column` are 1-based; 0 when the input had no source text. */
export interface ManifestError {
  /** The file as the user named it, `<stdin>` or the source name given to the parser. */
  file: string;
  line: number;
  column: number;
  /** Field path inside the document, e.g. `spec.reservation`, `items[1].spec.memory`; `""` for the document. */
  path: string;
  /** Short and human: `must not exceed spec.memory (3Gi > 2Gi)`. */
  message: string;
}

/** Formats an error as `web.yaml:12:3 spec.reservation: must not exceed spec.memory (3Gi > 2Gi)`. */
export function formatManifestError(e: ManifestError): string {
  const where = e.line > 0 ? `${e.file}:${e.line}:${e.column}` : e.file;
  return e.path ? `${where} ${e.path}: ${e.message}` : `${where} ${e.message}`;
}

/** Orders errors by line and column within each file; files keep the order they were read in. */
export function sortManifestErrors(errors: readonly ManifestError[]): ManifestError[] {
  const fileOrder = new Map<string, number>();
  for (const e of errors) if (!fileOrder.has(e.file)) fileOrder.set(e.file, fileOrder.size);
  return errors
    .map((e, i) => ({ e, i }))
    .sort((a, b) => fileOrder.get(a.e.file)! - fileOrder.get(b.e.file)! || a.e.line - b.e.line || a.e.column - b.e.column || a.i - b.i)
    .map(({ e }) => e);
}

/** The one error type strict helpers throw: holds every {@link ManifestError} of the input. */
export class ManifestValidationError extends Error {
  /** Every problem found, in source order. */
  readonly errors: readonly ManifestError[];

  constructor(errors: readonly ManifestError[]) {
    super(errors.map(formatManifestError).join("\n"));
    this.name = "ManifestValidationError";
    this.errors = errors;
  }
}
