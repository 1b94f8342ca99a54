import { expect } from 'chai';
import { spawn } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, type RootLogger } from '../../../app/logging/logger.js';
import { eventually, tempDir } from '../../support/nats.js';

const LOG_THEN_EXIT = fileURLToPath(new URL('../../fixtures/log-then-exit.js', import.meta.url));

type Line = Record<string, unknown>;
const jsonLines = (file: string): Line[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Line);

/** Collects what the logger writes to stderr. */
function fakeStderr(isTTY = false) {
  const out = { text: '', isTTY, write: (text: string) => (out.text += text) };
  return out;
}

describe('logging (pino)', () => {
  let logger: RootLogger | undefined;
  afterEach(async () => {
    await logger?.close();
    logger = undefined;
  });

  it('writes JSON lines (ISO time, level name, fields, msg) to the file at its level', async () => {
    const file = join(tempDir(), 'logs', 'rosey.log');
    logger = await createLogger({ stderrLevel: 'silent', file, fileLevel: 'info', stderr: fakeStderr() });
    logger.debug('not at info');
    logger.info('hello', { user: 'alice', n: 3, ok: true, nothing: undefined });
    await logger.close();
    const lines = jsonLines(file);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({ level: 'info', msg: 'hello', user: 'alice', n: 3, ok: true });
    expect(lines[0]).to.not.have.property('nothing');
    expect(new Date(lines[0]!.time as string).toISOString()).to.equal(lines[0]!.time);
  });

  it("binds each child's actor path, and a plugin's name and generation, once per line", async () => {
    const file = join(tempDir(), 'rosey.log');
    logger = await createLogger({ stderrLevel: 'silent', file, stderr: fakeStderr() });
    const host = logger.child('plugin:dice', { plugin: 'dice', generation: 2 });
    host.info('ready', { pid: 42 });
    host.child('reload').warn('nested');
    logger.child('router').info('routing');
    await logger.close();
    const raw = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    for (const line of raw) expect(line.match(/"actor"/g), line).to.have.length(1);
    const [ready, nested, routing] = raw.map((line) => JSON.parse(line) as Line);
    expect(ready).to.include({ actor: 'plugin:dice', plugin: 'dice', generation: 2, pid: 42, msg: 'ready' });
    expect(nested).to.include({ actor: 'plugin:dice/reload', plugin: 'dice', generation: 2, level: 'warn' });
    expect(routing).to.include({ actor: 'router', msg: 'routing' });
    expect(routing).to.not.have.property('plugin');
    expect(Object.keys(ready!)).to.deep.equal([
      'level',
      'time',
      'actor',
      'plugin',
      'generation',
      'pid',
      'msg',
    ]);
  });

  it("renames a line's fields that would repeat its level, time, message or bindings (no forged actor)", async () => {
    const file = join(tempDir(), 'rosey.log');
    logger = await createLogger({ stderrLevel: 'silent', file, stderr: fakeStderr() });
    logger.child('plugin:evil', { plugin: 'evil', generation: 1 }).info('hello', {
      actor: 'router',
      plugin: 'dice',
      generation: 7,
      level: 'error',
      msg: 'forged',
      time: 'x',
      n: 1,
    });
    await logger.close();
    const raw = readFileSync(file, 'utf8').trim();
    for (const key of ['actor', 'plugin', 'generation', 'level', 'msg', 'time'])
      expect(raw.match(new RegExp(`"${key}"`, 'g')), `${key} in ${raw}`).to.have.length(1);
    expect(JSON.parse(raw)).to.include({
      level: 'info',
      actor: 'plugin:evil',
      plugin: 'evil',
      generation: 1,
      msg: 'hello',
      _actor: 'router',
      _plugin: 'dice',
      _generation: 7,
      _level: 'error',
      _msg: 'forged',
      _time: 'x',
      n: 1,
    });
  });

  it('censors secrets in fields by name and inside the text of messages and fields, in the file and on stderr', async () => {
    const file = join(tempDir(), 'rosey.log');
    const stderr = fakeStderr();
    logger = await createLogger({ stderrLevel: 'info', file, stderr });
    logger
      .child('bus', { token: 'bound-secret' })
      .warn('cannot reach nats://rosey:hunter2@127.0.0.1:4222 (password=hunter3)', {
        password: 'hunter4',
        natsToken: 'hunter5',
        database: 'postgres://rosey:hunter6@db/rosey',
        user: 'rosey',
      });
    await logger.close();
    const text = readFileSync(file, 'utf8');
    for (const out of [text, stderr.text]) {
      for (const secret of ['bound-secret', 'hunter2', 'hunter3', 'hunter4', 'hunter5', 'hunter6'])
        expect(out, out).to.not.include(secret);
    }
    expect(jsonLines(file)[0]).to.include({
      msg: 'cannot reach nats://rosey:[Redacted]@127.0.0.1:4222 (password=[Redacted])',
      password: '[Redacted]',
      natsToken: '[Redacted]',
      token: '[Redacted]',
      database: 'postgres://rosey:[Redacted]@db/rosey',
      user: 'rosey',
    });
  });

  // Issue 22: stderr was silenced while Rosey started, so a plugin that failed to start was only in the file.
  it('holds stderr lines while told to, then shows them in order or drops them', async () => {
    const text = fakeStderr();
    logger = await createLogger({ stderrLevel: 'warn', stderr: text });
    logger.holdStderr();
    logger.warn('first');
    logger.info('below warn');
    logger.error('second');
    expect(text.text).to.equal('');
    logger.releaseStderr(true);
    expect(
      text.text
        .trim()
        .split('\n')
        .map((line) => line.replace(/^\[[^\]]+\] /, '')),
    ).to.deep.equal(['WARN: first', 'ERROR: second']);
    logger.holdStderr();
    logger.error('dropped');
    logger.releaseStderr(false);
    logger.error('live again');
    expect(text.text).to.not.include('dropped');
    expect(text.text.trim().split('\n').at(-1)).to.match(/ERROR: live again$/);
  });

  it('keeps a bounded number of held lines and says how many more there were', async () => {
    const text = fakeStderr();
    logger = await createLogger({ stderrLevel: 'warn', stderr: text });
    logger.holdStderr();
    for (let i = 0; i < 60; i++) logger.warn(`line ${i}`);
    logger.releaseStderr(true);
    const lines = text.text.trim().split('\n');
    expect(lines).to.have.length(51);
    expect(lines[49]).to.match(/WARN: line 49$/);
    expect(lines[50]).to.equal('rosey: 10 more lines like these were not shown'); // no log file here
  });

  it('prints readable lines on stderr at its own level, JSON when asked, nothing when silent', async () => {
    const text = fakeStderr();
    logger = await createLogger({ stderrLevel: 'warn', stderr: text });
    logger.info('below warn');
    logger.child('router').warn('slow plugin', { plugin: 'dice', ms: 1200 });
    logger.setStderrLevel('silent');
    logger.error('while silent');
    logger.setStderrLevel('warn');
    logger.error('after');
    const lines = text.text.trim().split('\n');
    expect(lines).to.have.length(2);
    expect(lines[0]).to.match(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: \[router\] slow plugin \{"plugin":"dice","ms":1200\}$/,
    );
    expect(lines[1]).to.match(/ERROR: after$/);
    expect(text.text).to.not.include('\u001b['); // not a terminal: no colours

    const json = fakeStderr();
    const jsonLogger = await createLogger({ stderrLevel: 'info', stderrFormat: 'json', stderr: json });
    jsonLogger.info('as json', { n: 1 });
    expect(JSON.parse(json.text)).to.include({ level: 'info', msg: 'as json', n: 1 });
    await jsonLogger.close();

    const tty = fakeStderr(true);
    const ttyLogger = await createLogger({ stderrLevel: 'info', stderr: tty });
    ttyLogger.info('coloured');
    expect(tty.text).to.include('\u001b[');
    await ttyLogger.close();
  });

  it('has the last line logged before close() in the file (lines are written asynchronously)', async () => {
    const file = join(tempDir(), 'rosey.log');
    logger = await createLogger({ stderrLevel: 'silent', file, stderr: fakeStderr() });
    for (let i = 1; i <= 5000; i++) logger.info(`line ${i}`);
    await logger.close();
    const lines = jsonLines(file);
    expect(lines).to.have.length(5000);
    expect(lines.at(-1)!.msg).to.equal('line 5000');
  });

  for (const how of ['exit', 'throw'] as const) {
    it(`has every line in the file when the process ends without closing the logger (${how})`, async () => {
      const file = join(tempDir(), 'logs', 'rosey.log');
      const { code, stderr } = await run(LOG_THEN_EXIT, [file, '5000', how]);
      const lines = jsonLines(file);
      expect(lines.filter((l) => /^line \d+$/.test(l.msg as string))).to.have.length(5000);
      expect(lines.some((l) => l.msg === 'line 5000')).to.equal(true);
      if (how === 'exit') {
        expect(code).to.equal(0);
        expect(stderr).to.equal('');
      } else {
        expect(code).to.equal(1);
        expect(stderr).to.equal('log-then-exit: fatal: Error: boom\n');
        expect(lines.at(-1)).to.include({ level: 'error' });
        expect(lines.at(-1)!.msg).to.match(/^fatal: Error: boom\n {4}at /);
      }
    });
  }

  it('refuses to start when the log file cannot be made, naming it', async () => {
    const file = join(tempDir(), 'logs', 'rosey.log');
    mkdirSync(file, { recursive: true });
    let error: Error | undefined;
    await createLogger({ stderrLevel: 'silent', file }).catch((e: Error) => (error = e));
    expect(error?.message).to.match(/^cannot open the log file .*rosey\.log: EISDIR/);
  });

  it('keeps running on stderr alone when the file cannot be written (a full disk), and says so once', async () => {
    const dir = tempDir();
    // The file pino-roll continues in is /dev/full: every write fails with ENOSPC.
    symlinkSync('/dev/full', join(dir, 'rosey.1.log'));
    const stderr = fakeStderr();
    logger = await createLogger({
      stderrLevel: 'warn',
      file: join(dir, 'rosey.log'),
      rotate: { size: '10m', frequency: 'never', keep: 2 },
      stderr,
    });
    logger.info('lost');
    await eventually(() => stderr.text.includes('no longer writing to it'), 'the failure reported');
    logger.warn('still on stderr');
    logger.info('not written anywhere');
    await logger.close();
    const lines = stderr.text.trim().split('\n');
    expect(lines).to.have.length(2);
    expect(lines[0]).to.match(
      /^rosey: log file .*rosey\.log failed \(ENOSPC: .*\); no longer writing to it$/,
    );
    expect(lines[1]).to.match(/WARN: still on stderr$/);
  });

  it('keeps a log file left by a Rosey from before rotation as rosey.old.log', async () => {
    const dir = tempDir();
    const file = join(dir, 'rosey.log');
    writeFileSync(file, 'old line\n');
    logger = await createLogger({ stderrLevel: 'silent', file, stderr: fakeStderr() });
    logger.info('new line');
    await logger.close();
    expect(readFileSync(join(dir, 'rosey.old.log'), 'utf8')).to.equal('old line\n');
    expect(lstatSync(file).isSymbolicLink()).to.equal(true);
    expect(jsonLines(file).map((l) => l.msg)).to.deep.equal(['new line']);
  });

  it('rolls the file over by size, keeps `keep` old files, and rosey.log follows the current one', async () => {
    const dir = tempDir();
    const file = join(dir, 'rosey.log');
    logger = await createLogger({
      stderrLevel: 'silent',
      file,
      stderr: fakeStderr(),
      rotate: { size: '1k', frequency: 'never', keep: 2 },
    });
    const files = () => readdirSync(dir).filter((f) => /^rosey\.\d+\.log$/.test(f));
    const seen = new Set<string>();
    const pad = 'x'.repeat(200);
    for (let i = 1; i <= 30; i++) {
      logger.info(`line ${i}`, { pad });
      // One write at a time, so that the size is checked after each line.
      await eventually(() => {
        for (const f of files()) seen.add(f);
        return files().some((f) => readFileSync(join(dir, f), 'utf8').includes(`"msg":"line ${i}"`));
      }, `line ${i} written`);
    }
    await logger.close();
    expect(seen.size, [...seen].join(' ')).to.be.at.least(5);
    // Old files go once the next roll's cleanup has run.
    const left = await eventually(() => (files().length <= 3 ? files() : false), 'old files removed');
    const number = (f: string) => Number(/\.(\d+)\.log$/.exec(f)![1]);
    const newest = left.sort((a, b) => number(a) - number(b)).at(-1)!;
    expect(readlinkSync(file)).to.equal(newest);
    expect(jsonLines(file).at(-1)!.msg).to.equal('line 30');
    const lineLength = readFileSync(file, 'utf8').split('\n')[0]!.length + 1;
    for (const f of left) {
      // pino-roll rolls after the write that reaches the size (its count may run a line ahead).
      expect(readFileSync(join(dir, f)).length).to.be.at.most(1024 + 2 * lineLength);
      jsonLines(join(dir, f)); // whole JSON lines only
    }
  });
});

function run(script: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}
