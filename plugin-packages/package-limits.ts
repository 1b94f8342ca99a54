/**
 * How much a plugin package may hold. A package comes from outside (a download, a colleague), so
 * every size is bounded before it is read, unpacked or written; the builder checks the same
 * limits so it never produces a package the installer would refuse.
 */
export interface PackageLimits {
  /** Size of the `.roseyplug` file itself. */
  maxPackageBytes: number;
  /** Size of the unpacked tar, i.e. what gunzip may produce: the gzip-bomb guard. */
  maxUnpackedBytes: number;
  /** Entries in the archive, files and directories together. */
  maxEntries: number;
  /** Size of any one file in the package. */
  maxFileBytes: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_PACKAGE_LIMITS: Readonly<PackageLimits> = Object.freeze({
  maxPackageBytes: 20 * MiB,
  maxUnpackedBytes: 100 * MiB,
  maxEntries: 5000,
  maxFileBytes: 50 * MiB,
});

/** `1536` → `1.5 KiB`, for messages about limits. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number(value.toFixed(1))} ${units[unit]}`;
}
