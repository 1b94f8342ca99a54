/**
 * Why a plugin package could not be built, read or installed. The code is for callers that react
 * (the CLI maps them to exit codes and hints); the message is one line for a person and names the
 * offending entry, so a refused package can be fixed without unpacking it by hand.
 */
export type PackageErrorCode =
  /** Not gzip, not a tar archive, or cut short. */
  | 'NOT_A_PACKAGE'
  /** Over one of the size or count limits (package, unpacked total, one file, entries). */
  | 'TOO_LARGE'
  /** An entry path that is absolute, climbs with `..`, repeats, or is otherwise not a plain relative path. */
  | 'UNSAFE_PATH'
  /** A symbolic or hard link, in an archive or in a folder being packed. */
  | 'LINK'
  /** A device, fifo, socket, or pax / GNU extension entry: nothing a plugin needs, so refused. */
  | 'UNSUPPORTED_ENTRY'
  /** CHECKSUMS missing, malformed, or not matching the files exactly. */
  | 'BAD_CHECKSUM'
  /** manifest.yaml missing or invalid, or the plugin folder fails `loadPlugin`. */
  | 'BAD_MANIFEST'
  /** A lower version than the installed one, without `force`. */
  | 'DOWNGRADE'
  /** The caller's last check on the staged plugin failed; the installed version was left as it was. */
  | 'ABORTED'
  /** No such package file, source folder or installed plugin. */
  | 'NOT_FOUND'
  /** The file system refused (permissions, disk full); the package itself may be fine. */
  | 'IO_ERROR';

export class PackageError extends Error {
  override readonly name = 'PackageError';

  constructor(
    readonly code: PackageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * `error` as a PackageError: itself when it already is one, otherwise `code` with `context`
 * prefixed to the first line of its message (file-system errors, a failing callback).
 */
export function asPackageError(error: unknown, code: PackageErrorCode, context: string): PackageError {
  if (error instanceof PackageError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new PackageError(code, `${context}: ${message.split('\n')[0] ?? ''}`, { cause: error });
}
