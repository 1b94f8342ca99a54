import { expect } from 'chai';
import { MetricsStore } from '../../actors/metrics/metrics-store.js';
import type { TreeReading } from '../../actors/metrics/tree-reading.js';
import { RollingWindow } from '../../actors/metrics/window.js';

const tree = (restarts: number, generation = 1, status = 'running'): TreeReading => ({
  restarts: [{ path: `plugins/dice/dice@${generation}`, restarts }],
  plugins: [{ name: 'dice', status, generation }],
  connectors: [],
});

describe('metrics store', () => {
  it('keeps the last `capacity` samples, oldest first, and no more', () => {
    const window = new RollingWindow<number>(3);
    for (let i = 1; i <= 7; i++) window.push(i);
    expect(window.toArray()).to.deep.equal([5, 6, 7]);
    expect(window.size).to.equal(3);
    expect(window.latest()).to.equal(7);
    // An hour at 5 s: 720 samples, whatever has been pushed.
    const store = new MetricsStore(5000, 3_600_000);
    for (let i = 0; i < 2000; i++) store.sample(i, { rss: i });
    expect(store.window.size).to.equal(720);
    expect(store.window.toArray()[0]!.at).to.equal(2000 - 720);
  });

  it('adds only new restarts read from the tree, and counts a record that came back from 0', () => {
    const store = new MetricsStore(5000, 60_000);
    store.tree(tree(2));
    store.tree(tree(2));
    expect(store.current().counters.restarts).to.deep.equal({ 'plugins/dice/dice': 2 });
    store.tree(tree(3));
    expect(store.current().counters.restarts).to.deep.equal({ 'plugins/dice/dice': 3 });
    // The plugin was started again: its host's record starts from 0, and one restart since is new.
    store.tree(tree(1));
    expect(store.current().counters.restarts).to.deep.equal({ 'plugins/dice/dice': 4 });
  });

  it('counts a new generation as a reload, once', () => {
    const store = new MetricsStore(5000, 60_000);
    store.tree(tree(0, 1));
    store.tree(tree(0, 3));
    store.tree(tree(0, 3));
    expect(store.pluginRows()[0]).to.include({ name: 'dice', reloads: 2, generation: 3 });
  });

  it('forgets a plugin process figures once it stops running', () => {
    const store = new MetricsStore(5000, 60_000);
    store.tree(tree(0));
    store.plugin('dice', { rss: 5 });
    expect(store.pluginRows()[0]!.process).to.deep.equal({ rss: 5 });
    store.tree(tree(0, 1, 'failed'));
    expect(store.pluginRows()[0]!.process).to.equal(undefined);
  });

  it('writes /api/metrics as the same JSON as the object it describes, before and after a new sample', () => {
    const store = new MetricsStore(5000, 60_000);
    store.tree(tree(0));
    store.plugin('dice', { rss: 5, cpuPercent: 1 });
    store.sample(1, { rss: 1 });
    store.sample(2, { rss: 2 });
    expect(JSON.parse(store.apiMetricsText())).to.deep.equal(store.withHistory());
    store.sample(3, { rss: 3 });
    store.chatLine('console');
    const parsed = JSON.parse(store.apiMetricsText()) as ReturnType<MetricsStore['withHistory']>;
    expect(parsed).to.deep.equal(store.withHistory());
    expect(parsed.history.map((s) => s.at)).to.deep.equal([1, 2, 3]);
  });
});
