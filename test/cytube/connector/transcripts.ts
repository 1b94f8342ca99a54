import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface TranscriptLine {
  t: number;
  client: string;
  dir: 'in' | 'out';
  event: string;
  data: unknown;
}

const DIR = fileURLToPath(new URL('../../fixtures/cytube-transcripts/', import.meta.url));

/** One recorded scenario from a real CyTube server (test/fixtures/cytube-transcripts/README.md). */
export function transcript(file: string): TranscriptLine[] {
  return readFileSync(`${DIR}${file}`, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as TranscriptLine);
}

/** What one client received, socket.io lifecycle and HTTP lines left out. */
export const received = (lines: TranscriptLine[], client: string) =>
  lines.filter(
    (l) => l.client === client && l.dir === 'in' && !l.event.startsWith('@') && !l.event.startsWith('GET '),
  );

export const TRANSCRIPTS = [
  '01-guest-freechan.jsonl',
  '02-registered-join.jsonl',
  '03-chat-formatting.jsonl',
  '04-pm.jsonl',
  '05-login-failures.jsonl',
  '06-flood-default.jsonl',
  '07-flood-antiflood.jsonl',
  '08-mute.jsonl',
  '09-kick.jsonl',
  '10-duplicate-login.jsonl',
  '11-media-queue.jsonl',
  '12-history-replay.jsonl',
  '13-leave-and-rank.jsonl',
  '14-channel-password.jsonl',
];
