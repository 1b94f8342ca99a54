/** `log.rotate` in the configuration (docs/configuration.md). */
export interface RotateOptions {
  /** Roll once the file reaches this size: a number and k, m or g (`10m`). */
  size: string;
  /** Also roll at the start of each day or hour; `never`: by size only. */
  frequency: 'daily' | 'hourly' | 'never';
  /** Rolled files kept besides the one being written; older ones are deleted. */
  keep: number;
}

export const DEFAULT_ROTATE: RotateOptions = { size: '10m', frequency: 'daily', keep: 10 };
