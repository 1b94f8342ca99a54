import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../../support/nats.js';

const logFile = fileURLToPath(new URL('../../../app/logging/log-file.js', import.meta.url));

/**
 * In a fresh process: opens a daily-rotated log file as Rosey does, writes a line, and reports how
 * many date-fns modules are loaded and what the functions pino-roll got make of a date.
 */
function openDailyLog(dir: string): { modules: number; formatted: string; parsed: string } {
  const script = `
    import { createRequire } from 'node:module';
    const { openLogFile } = await import(${JSON.stringify(logFile)});
    const log = await openLogFile(${JSON.stringify(`${dir}/rosey.log`)}, { size: '10m', frequency: 'daily', keep: 3 });
    log.stream.write('{"msg":"hello"}\\n');
    await log.close();
    const require = createRequire(import.meta.url);
    const dateFns = require(require.resolve('date-fns', { paths: [require.resolve('pino-roll')] }));
    const day = new Date(2026, 11, 6, 15, 4);
    console.log(JSON.stringify({
      modules: Object.keys(require.cache).filter((k) => k.includes('/date-fns/')).length,
      formatted: dateFns.format(day, 'yyyy-MM-dd-HH'),
      parsed: dateFns.parse('2026-12-06', 'yyyy-MM-dd', new Date(0)).toDateString(),
    }));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(run.status, run.stderr).to.equal(0);
  return JSON.parse(run.stdout) as { modules: number; formatted: string; parsed: string };
}

// date-fns's index (about 300 modules, which pino-roll requires for five functions) was the largest
// set of modules a start of Rosey loaded: a tenth of its CPU before the tree started (issue 16).
describe('the log file without all of date-fns', () => {
  it('rolls daily with date-fns functions that load only their own modules', () => {
    const dir = tempDir();
    const { modules, formatted, parsed } = openDailyLog(dir);
    expect(formatted).to.equal('2026-12-06-15');
    expect(parsed).to.equal(new Date(2026, 11, 6).toDateString());
    expect(readdirSync(dir).filter((f) => /^rosey\.\d{4}-\d{2}-\d{2}\.1\.log$/.test(f))).to.have.length(1);
    // All of date-fns is about 300 modules; format and parse with what they use, under 100.
    expect(modules).to.be.greaterThan(0).and.lessThan(120);
  });
});
