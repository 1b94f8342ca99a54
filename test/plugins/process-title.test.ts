import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { describeTree, findNode } from '../../supervisors/describe-tree.js';
import { startMiniRosey } from '../support/mini-rosey.js';
import { eventually, useNatsServer } from '../support/nats.js';

type Mini = Awaited<ReturnType<typeof startMiniRosey>>;

/** What ps shows for a process: its command line, NULs as spaces, the padding trimmed. */
const commandLine = (pid: number) =>
  readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').replace(/\0/g, ' ');
/** What top shows by default: the kernel's 15-character name of the process. */
const shortName = (pid: number) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim();

// Issue 16: every plugin process showed as `node … dist/sdk/runner.js` in ps and top.
describe('plugin process titles (real OS processes)', function () {
  this.timeout(60_000);
  const nats = useNatsServer();
  let mini: Mini | undefined;

  afterEach(async () => {
    await mini?.tree.shutdown();
    mini = undefined;
  });

  it('names the plugin and its generation in ps and top', async () => {
    mini = await startMiniRosey({ url: nats.url, plugins: ['echo', 'kicker'] });
    for (const plugin of ['echo', 'kicker']) {
      const pid = await eventually(
        () => findNode(describeTree(mini!.tree.actor), `${plugin}@1`)?.info?.pid as number | undefined,
        `${plugin}'s pid`,
      );
      await eventually(() => commandLine(pid).startsWith(`${plugin}@1`), `${plugin}'s title`);
      expect(commandLine(pid)).to.equal(`${plugin}@1 (rosey plugin)`);
      expect(shortName(pid)).to.equal(`${plugin}@1 (rosey plugin)`.slice(0, 15));
    }
  });
});
