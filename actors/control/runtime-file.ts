import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from '../../contract/zod.js';
import { isAlive } from '../../process/is-alive.js';

/** Where a running Rosey can be reached; written to `<dataDir>/rosey.runtime.json` (mode 0600). */
export const runtimeInfoSchema = z.object({
  pid: z.number().int(),
  version: z.string(),
  natsUrl: z.string(),
  natsToken: z.string().optional(),
  natsUser: z.string().optional(),
  natsPass: z.string().optional(),
  startedAt: z.string(),
  /** PID of the nats-server Rosey started, when it embeds one. */
  natsServerPid: z.number().int().optional(),
  /** The configuration file it was started with (absolute): `rosey restart` starts it with the same. */
  configFile: z.string().optional(),
});
export type RuntimeInfo = z.infer<typeof runtimeInfoSchema>;

export const RUNTIME_FILE = 'rosey.runtime.json';

export const runtimeFilePath = (dataDir: string) => join(dataDir, RUNTIME_FILE);

export function writeRuntimeFile(dataDir: string, info: RuntimeInfo): void {
  const file = runtimeFilePath(dataDir);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(info, null, 2) + '\n', { mode: 0o600 });
  renameSync(temp, file);
}

/** Removes the file only if it still describes this process (another Rosey may have replaced it). */
export function removeRuntimeFile(dataDir: string, pid = process.pid): void {
  const current = readRuntimeFile(dataDir);
  if (current.kind !== 'missing' && current.kind !== 'invalid' && current.info.pid !== pid) return;
  rmSync(runtimeFilePath(dataDir), { force: true });
}

export type RuntimeLookup =
  | { kind: 'running'; info: RuntimeInfo }
  | { kind: 'stale'; info: RuntimeInfo }
  | { kind: 'missing' }
  | { kind: 'invalid'; reason: string };

/** What the runtime file says, with a file whose process is dead reported as stale. */
export function readRuntimeFile(dataDir: string): RuntimeLookup {
  const file = runtimeFilePath(dataDir);
  if (!existsSync(file)) return { kind: 'missing' };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return { kind: 'invalid', reason: `${file} is not valid JSON` };
  }
  const parsed = runtimeInfoSchema.safeParse(raw);
  if (!parsed.success) return { kind: 'invalid', reason: `${file} is not a Rosey runtime file` };
  return isAlive(parsed.data.pid)
    ? { kind: 'running', info: parsed.data }
    : { kind: 'stale', info: parsed.data };
}
