import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../../support/nats.js';

const logFile = fileURLToPath(new URL('../../../app/logging/log-file.js', import.meta.url));

/**
 * In a fresh process: opens a daily-rotated log file of 1 KB files as Rosey does, writes past the
 * size so that it rolls, waits for pino-roll's clean-up of old files, and reports which files
 * remain and how many date-fns modules the process loaded.
 */
function rollDailyLog(dir: string): { files: string[]; dateFnsModules: number } {
  const script = `
    import { createRequire } from 'node:module';
    import { once } from 'node:events';
    const { openLogFile } = await import(${JSON.stringify(logFile)});
    const log = await openLogFile(${JSON.stringify(join(dir, 'rosey.log'))}, { size: '1k', frequency: 'daily', keep: 2 });
    const cleaned = once(log.stream, 'cleanup-complete');
    for (let i = 0; i < 40; i++) log.stream.write(JSON.stringify({ msg: 'line ' + i, pad: 'x'.repeat(40) }) + '\\n');
    await cleaned;
    await log.close();
    const require = createRequire(import.meta.url);
    console.log(JSON.stringify({ dateFnsModules: Object.keys(require.cache).filter((k) => k.includes('/date-fns/')).length }));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(run.status, run.stderr).to.equal(0);
  const { dateFnsModules } = JSON.parse(run.stdout) as { dateFnsModules: number };
  return { files: readdirSync(dir).sort(), dateFnsModules };
}

const today = () => {
  const d = new Date();
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
};

// pino-roll requires date-fns's index (about 300 modules) for five functions: the largest set of
// modules a start of Rosey loaded (issue 16). Its bundle (app/logging/pino-roll.ts) holds only
// those five; this checks each of them still does its part: the file names (format), the next day
// (addDays), and which old files are this log's, by their dates (parse, isValid).
describe('the log file, rolled by the pino-roll bundle', () => {
  it("names files by today's date, rolls by size, removes this log's oldest files by their dates, keeps other files", () => {
    const dir = tempDir();
    for (const day of ['2026-01-01', '2026-01-02', '2026-01-03'])
      writeFileSync(join(dir, `rosey.${day}.1.log`), 'old\n');
    // Not a date: not one of this log's files, whatever its name looks like.
    writeFileSync(join(dir, 'rosey.2026-13-45.1.log'), 'not a date\n');
    const { files, dateFnsModules } = rollDailyLog(dir);
    expect(files, JSON.stringify(files)).to.include.members([
      `rosey.${today()}.1.log`,
      `rosey.${today()}.2.log`,
      'rosey.log',
    ]);
    // Two kept besides the one being written, by date: the oldest two of the five are gone.
    expect(
      files.filter((f) => f.startsWith('rosey.2026-01-')),
      JSON.stringify(files),
    ).to.deep.equal(['rosey.2026-01-03.1.log']);
    expect(files).to.include('rosey.2026-13-45.1.log');
    expect(dateFnsModules).to.equal(0);
  });

  it('holds the five date-fns functions and what they use, not all of date-fns', () => {
    const bundle = readFileSync(
      fileURLToPath(new URL('../../../app/logging/pino-roll.js', import.meta.url)),
      'utf8',
    );
    // esbuild names each file it bundles in a comment. The five and what they use: 84 files of
    // date-fns 4; through date-fns's index, which runs all its imports, about 300.
    const files = new Set(bundle.match(/^\/\/ node_modules\/date-fns\/\S+$/gm));
    expect(files).to.include('// node_modules/date-fns/format.js');
    expect(files.size).to.be.lessThan(120);
  });
});
