/**
 * kill -9 of the embedded nats-server while `!roll` arrives every 100 ms (issue 15, defect 6).
 * Rosey restarts it on the same port; every line sent meanwhile must be answered after recovery
 * or refused, none silently lost.
 *
 * The lines come from a user in Rosey's own console connector (bench/chaos/nats-kill.ts runs a
 * whole Rosey in this process), not from the chaos driver: a connector runs inside Rosey and
 * shares its connection and its confirmed publisher, while the driver is a separate client whose
 * own publishes and subscriptions die with the server — what it would lose says nothing of Rosey.
 */
import { emptyFigures, type Figures } from '../figures.js';
import { natsKill } from '../nats-kill.js';
import type { ScenarioOptions } from '../scenario.js';

export async function killNats({ short, log }: ScenarioOptions): Promise<Figures> {
  const figures = emptyFigures('kill -9 nats-server under !roll in the console (10/s)');
  const refusals = new Map<string, number>();
  for (let round = 0; round < (short ? 1 : 5); round++) {
    log(`kill-nats: round ${round + 1}, a Rosey with the console; kill -9 of its nats-server after 10 lines`);
    const f = await natsKill({ lines: short ? 40 : 120, intervalMs: 100, killAfter: 10, settleMs: 20_000 });
    figures.sent += f.sent;
    figures.answered += f.answered;
    figures.refused += f.refused;
    figures.lost += f.lost;
    figures.repeated += f.duplicates;
    figures.recoveries.push(f.recoveryMs ?? Infinity);
    if (f.lost > 0)
      figures.notes.push(`round ${round + 1}, not answered: ${f.unanswered.slice(0, 10).join(', ')}`);
    for (const warning of f.warnings) refusals.set(warning, (refusals.get(warning) ?? 0) + 1);
  }
  for (const [warning, n] of refusals)
    figures.notes.push(`log${n > 1 ? ` (${n}×)` : ''}: ${warning.slice(0, 160)}`);
  return figures;
}
