/**
 * The markov suite (issue 20: learning keeps up with 1,000 lines/s, a sentence in p95 < 10 ms):
 *   - the model alone: lines learned per second into a full channel model (5,000 lines kept, the
 *     oldest unlearned as new ones come), from deterministic Zipf-distributed chat;
 *   - end to end: chat lines published on `rosey.events.message` → the plugin's event queue → its
 *     handler (filter, learn) → batched writes to its table, through testBot's real nats-server,
 *     storage and router, in bursts of 500 (the queue holds 1,000) until each burst is handled;
 *   - a sentence: `generate` on the full model, without and with a seed word;
 *   - `!markov` end to end (router → plugin → reply).
 * Numbers are printed, never asserted.
 */
import { Chain, wordsOf } from '../plugins/markov/chain.js';
import { createMarkovPlugin } from '../plugins/markov/index.js';
import { BUILTIN_PLUGINS_DIR } from '../app/start-rosey.js';
import { encodeJson } from '../contract/envelope.js';
import { subjects } from '../contract/subjects.js';
import { testBot } from '../sdk/testing/index.js';
import { now } from './harness.js';
import type { SuiteOptions } from './runtime.js';
import { latencyLine, summarize } from './stats.js';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Chat-like lines: 3–16 words from a 2,000-word vocabulary, a few words everywhere, most rare. */
function chatLines(n: number, random: () => number): string[] {
  const vocabulary = Array.from({ length: 2000 }, (_, i) => `w${i.toString(36)}`);
  const cumulative: number[] = [];
  let sum = 0;
  for (let i = 0; i < vocabulary.length; i++) cumulative.push((sum += 1 / (i + 1)));
  const word = () => {
    const x = random() * sum;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return vocabulary[lo]!;
  };
  return Array.from({ length: n }, () =>
    Array.from({ length: 3 + Math.floor(random() * 14) }, word).join(' '),
  );
}

export async function markovSuite({ quick }: SuiteOptions): Promise<void> {
  console.log('== markov: learning and generating (issue 20) ==\n');
  const random = mulberry32(42);
  const lines = chatLines(quick ? 20_000 : 100_000, random);

  // The model alone.
  const chain = new Chain(5000);
  const started = now();
  lines.forEach((text, i) => chain.learn({ user: `u${i % 50}`, words: wordsOf(text) }));
  const modelRate = lines.length / ((now() - started) / 1000);
  console.log(
    `model: learned ${lines.length} lines (5,000 kept)           ${Math.round(modelRate).toLocaleString('en')} lines/s  (${chain.transitions.toLocaleString('en')} transitions)`,
  );

  const samples = (n: number, once: () => unknown) =>
    Array.from({ length: n }, () => {
      const t = now();
      once();
      return now() - t;
    });
  const n = quick ? 500 : 5000;
  console.log(
    latencyLine('sentence, no seed (full model)', summarize(samples(n, () => chain.generate(random)))),
  );
  const seeds = lines.slice(0, 100).map((l) => wordsOf(l).slice(-1));
  let s = 0;
  console.log(
    latencyLine(
      'sentence from a seed word (full model)',
      summarize(samples(n, () => chain.generate(random, seeds[s++ % seeds.length]))),
    ),
  );

  // End to end through the plugin, on testBot's real bus and storage.
  const bot = await testBot(createMarkovPlugin(random), {
    dir: `${BUILTIN_PLUGINS_DIR}markov`,
    config: { cooldownSeconds: 0 },
  });
  try {
    const total = quick ? 2000 : 10_000;
    const burst = 500;
    const e2eStart = now();
    for (let i = 0; i < total; i += burst) {
      for (let j = i; j < Math.min(total, i + burst); j++)
        bot.nc.publish(
          subjects.message,
          encodeJson({ platform: 'test', channel: 'test', user: `u${j % 50}`, rank: 1, text: lines[j]! }),
        );
      await bot.eventFigures();
    }
    const e2eRate = total / ((now() - e2eStart) / 1000);
    const figures = await bot.eventFigures();
    console.log(
      `end to end: ${total} chat lines → handler → model + table  ${Math.round(e2eRate).toLocaleString('en')} lines/s  (handled ${figures.handled}, dropped ${figures.dropped}, failed ${figures.failed})`,
    );
    const command: number[] = [];
    for (let i = 0; i < (quick ? 100 : 500); i++) {
      const t = now();
      await bot.say(i % 2 ? '!markov' : `!markov ${seeds[i % seeds.length]![0]}`);
      command.push(now() - t);
    }
    console.log(latencyLine('!markov end to end (router → plugin → reply)', summarize(command)));
  } finally {
    await bot.close();
  }
  console.log('');
}
