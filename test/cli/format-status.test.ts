import { expect } from 'chai';
import { formatStatus, startingPlugins } from '../../cli/format-status.js';
import type { StatusReply, TreeNode } from '../../contract/messages/control.js';

const worker = (id: string, status: string): TreeNode => ({ id, kind: 'worker', status, restarts: 0 });
const supervisor = (id: string, status: string, children: TreeNode[]): TreeNode => ({
  id,
  kind: 'supervisor',
  status,
  restarts: 0,
  strategy: 'one_for_one',
  children,
});

/** Rosey's tree while it starts: dice is up, trivia's process has not announced itself yet. */
const tree = supervisor('rosey', 'running', [
  supervisor('services', 'running', [worker('router', 'running')]),
  supervisor('plugins', 'running', [
    supervisor('dice', 'running', [worker('dice@1', 'running')]),
    supervisor('trivia', 'running', [worker('migrations', 'running'), worker('trivia@1', 'starting')]),
    supervisor('quote-db', 'restarting', []),
  ]),
]);

// Issue 28: `rosey status` during start must say which plugins are still starting, as the channel does.
describe('rosey status output', () => {
  it('names the plugins still starting (or restarting), and none once all serve', () => {
    expect(startingPlugins(tree)).to.deep.equal(['quote-db', 'trivia']);
    const status: StatusReply = {
      version: '0.1.0',
      pid: 42,
      startedAt: '2026-01-01T00:00:00.000Z',
      uptimeMs: 1500,
      nats: 'nats://x',
      tree,
    };
    expect(formatStatus(status).split('\n').slice(0, 2)).to.deep.equal([
      'Rosey 0.1.0  pid 42  up 1s  nats nats://x',
      'plugins still starting: quote-db, trivia',
    ]);
    const up = supervisor('rosey', 'running', [
      supervisor('plugins', 'running', [supervisor('dice', 'running', [worker('dice@1', 'running')])]),
    ]);
    expect(startingPlugins(up)).to.deep.equal([]);
    expect(formatStatus({ ...status, tree: up }).split('\n')[1]).to.equal('');
  });
});
