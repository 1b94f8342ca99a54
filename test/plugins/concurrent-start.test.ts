import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureLogger } from '../support/capture-logger.js';
import { startMiniRosey } from '../support/mini-rosey.js';
import { tempDir, useNatsServer } from '../support/nats.js';

type Mini = Awaited<ReturnType<typeof startMiniRosey>>;

/** A plugin whose start never ends, so it never announces its commands. */
function hangingPlugin(): string {
  const dir = join(tempDir('rosey-hang-'), 'hangs-at-start');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.yaml'), 'name: hangs-at-start\nversion: 0.1.0\nentry: index.js\n');
  writeFileSync(
    join(dir, 'index.js'),
    `import { definePlugin } from 'rosey/sdk';
export default definePlugin({ name: 'hangs-at-start', commands: { never: { usage: 'never', run: () => 'no' } },
  start: () => new Promise(() => {}) });
`,
  );
  return dir;
}

describe('the plugins supervisor starts every plugin at once (real nats-server, real OS processes)', function () {
  this.timeout(60_000);
  const nats = useNatsServer();
  let mini: Mini | undefined;

  afterEach(async () => {
    await mini?.tree.shutdown();
    mini = undefined;
  });

  // Issue 16: plugins were started one after another, so one slow to announce held back every
  // plugin after it, and Rosey's start was the sum of every plugin's start.
  it('a plugin that never announces does not hold back the plugin after it', async () => {
    const logger = captureLogger();
    mini = await startMiniRosey({
      url: nats.url,
      plugins: ['hangs-at-start', 'echo'],
      dirs: { 'hangs-at-start': hangingPlugin() },
      logger,
    });
    const records = mini.plugins().records;
    expect(records['hangs-at-start']?.status).to.equal('failed');
    expect(records.echo?.status).to.equal('running');
    const plugins = logger.lines.filter((l) => l.fields?.supervisor === 'plugins').map((l) => l.msg);
    const echoReady = plugins.indexOf('child echo started');
    const hangFailed = plugins.findIndex((m) => m.startsWith('hangs-at-start failed to start'));
    expect(echoReady, plugins.join('\n')).to.be.at.least(0);
    expect(hangFailed, plugins.join('\n')).to.be.greaterThan(echoReady);
  });
});
