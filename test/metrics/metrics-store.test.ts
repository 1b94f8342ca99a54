import { expect } from 'chai';
import { MetricsStore } from '../../actors/metrics/metrics-store.js';
import type { TreeReading } from '../../actors/metrics/tree-reading.js';
import { RollingWindow } from '../../actors/metrics/window.js';
import { selectSamples } from '../../actors/metrics/history.js';
import { apiMetricsSchema, apiPluginSchema } from '../../contract/messages/metrics.js';

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

  it('keeps a plugin’s event figures from its health reply, as gauges too, and forgets them once it stops', async () => {
    const store = new MetricsStore(5000, 60_000);
    store.tree(tree(0));
    const events = {
      listening: true,
      held: false,
      queued: 2,
      limit: 1000,
      handled: 40,
      dropped: 3,
      failed: 1,
      timedOut: 2,
      invalid: 0,
    };
    store.plugin('dice', { rss: 5 }, events);
    expect(store.pluginRows()[0]!.events).to.deep.equal(events);
    const text = await store.exposition();
    expect(text).to.include('rosey_plugin_events{plugin="dice",outcome="dropped"} 3');
    expect(text).to.include('rosey_plugin_events{plugin="dice",outcome="timedOut"} 2');
    expect(text).to.include('rosey_plugin_event_queue{plugin="dice"} 2');
    store.tree(tree(0, 1, 'failed'));
    expect(store.pluginRows()[0]!.events).to.equal(undefined);
    expect(await store.exposition()).not.to.include('rosey_plugin_events{plugin="dice"');
  });

  it('writes /api/metrics as the same JSON as the object it describes, before and after a new sample', () => {
    const store = new MetricsStore(5000, 60_000);
    store.tree(tree(0));
    store.plugin('dice', { rss: 5, cpuPercent: 1.5, openHandles: 3 });
    store.sample(1, { rss: 1, eventLoopP99Ms: 0.25 });
    store.sample(2, { rss: 2 });
    expect(JSON.parse(store.apiMetricsText())).to.deep.equal(store.withHistory());
    store.sample(3, { rss: 3 });
    store.chatLine('console');
    // A plugin whose name JSON must escape, appearing in the last sample only.
    store.plugin('a"b', { rss: 7 });
    store.sample(4, { rss: 4 });
    const parsed = apiMetricsSchema.parse(JSON.parse(store.apiMetricsText()));
    expect(parsed).to.deep.equal(store.withHistory());
    expect(parsed.history.at).to.deep.equal([1, 2, 3, 4]);
    expect(parsed.history.main.rss).to.deep.equal([1, 2, 3, 4]);
    expect(parsed.history.main.eventLoopP99Ms).to.deep.equal([0.25, null, null, null]);
    expect(parsed.history.plugins['dice']!.cpuPercent).to.deep.equal([1.5, 1.5, 1.5, 1.5]);
    expect(parsed.history.plugins['dice']!.openHandles).to.deep.equal([3, 3, 3, 3]);
    expect(parsed.history.plugins['a"b']!.rss).to.deep.equal([null, null, null, 7]);
    expect(parsed.counters.chatLines).to.equal(1);
  });

  it('keeps the columns in step with the window as it wraps, plugins coming and going', () => {
    // Three samples a window. dice answers throughout; trivia only in samples 2 and 3, so it leaves
    // the columns once sample 3 has gone; quote-db comes at sample 5.
    const store = new MetricsStore(5000, 15_000);
    const queries = [{}, { since: 3 }, { points: 2 }, { points: 1 }, { since: 100 }];
    for (let at = 1; at <= 8; at++) {
      store.tree({
        restarts: [],
        plugins: [
          { name: 'dice', status: 'running', generation: 1 },
          { name: 'trivia', status: at === 2 || at === 3 ? 'running' : 'stopped', generation: 1 },
          { name: 'quote-db', status: at >= 5 ? 'running' : 'stopped', generation: 1 },
        ],
        connectors: [],
      });
      store.plugin('dice', { rss: at, cpuPercent: at / 10 });
      if (at === 2 || at === 3) store.plugin('trivia', { rss: 100 + at, openHandles: at });
      if (at >= 5) store.plugin('quote-db', { rss: 200 + at, heapUsed: at });
      store.sample(at, at % 2 ? { rss: 1000 + at, eventLoopP99Ms: 0.5 } : { rss: 1000 + at });
      for (const query of queries) {
        const text = store.apiMetricsText(query);
        expect(JSON.parse(text), `sample ${at}, ${JSON.stringify(query)}`).to.deep.equal(
          store.withHistory(query),
        );
        apiMetricsSchema.parse(JSON.parse(text));
      }
    }
    const last = apiMetricsSchema.parse(JSON.parse(store.apiMetricsText()));
    expect(last.history.at).to.deep.equal([6, 7, 8]);
    expect(Object.keys(last.history.plugins).sort()).to.deep.equal(['dice', 'quote-db']);
    expect(last.history.plugins['quote-db']!.heapUsed).to.deep.equal([6, 7, 8]);
    const trivia = apiPluginSchema.parse(JSON.parse(store.apiPluginText('trivia') ?? 'null'));
    expect(trivia.history.process.rss).to.deep.equal([null, null, null]);
  });

  it('answers a since or points query with those samples only, in the same shape', () => {
    const store = new MetricsStore(1, 1000);
    store.tree(tree(0));
    store.plugin('dice', { rss: 5 });
    for (let at = 1; at <= 10; at++) store.sample(at, { rss: at * 10 });
    const since = apiMetricsSchema.parse(JSON.parse(store.apiMetricsText({ since: 7 })));
    expect(since.history.at).to.deep.equal([8, 9, 10]);
    expect(since.history.main.rss).to.deep.equal([80, 90, 100]);
    expect(since).to.deep.equal(store.withHistory({ since: 7 }));
    const thinned = apiMetricsSchema.parse(JSON.parse(store.apiMetricsText({ points: 4 })));
    // Spread over the whole window: the oldest and the newest are in.
    expect(thinned.history.at).to.deep.equal([1, 4, 7, 10]);
    expect(thinned.history.plugins['dice']!.rss).to.deep.equal([5, 5, 5, 5]);
    // The whole window again: the cached text was not replaced by a query's.
    expect(apiMetricsSchema.parse(JSON.parse(store.apiMetricsText())).history.at).to.have.length(10);
    const dice = apiPluginSchema.parse(JSON.parse(store.apiPluginText('dice', { since: 8 })!));
    expect(dice.history).to.deep.equal({
      at: [9, 10],
      process: {
        cpuPercent: [null, null],
        rss: [5, 5],
        heapUsed: [null, null],
        eventLoopP50Ms: [null, null],
        eventLoopP99Ms: [null, null],
        openHandles: [null, null],
      },
    });
    expect(store.apiPluginText('nope')).to.equal(undefined);
  });

  it('thins to the points asked for, evenly spaced, from the oldest to the latest', () => {
    const samples = Array.from({ length: 720 }, (_, i) => ({ at: i }));
    expect(selectSamples(samples, { points: 1 })).to.deep.equal([{ at: 719 }]);
    for (const points of [2, 7, 120, 719, 720, 1000]) {
      const kept = selectSamples(samples, { points });
      expect(kept.length, String(points)).to.equal(Math.min(points, 720));
      expect([kept[0]!.at, kept.at(-1)!.at], String(points)).to.deep.equal([0, 719]);
      const gaps = kept.slice(1).map((s, i) => s.at - kept[i]!.at);
      expect(Math.max(...gaps) - Math.min(...gaps), String(points)).to.be.at.most(1);
    }
  });

  it('refuses a history whose series are not one entry per sample time', () => {
    const store = new MetricsStore(5000, 60_000);
    store.sample(1, { rss: 1 });
    const body = store.withHistory();
    body.history.main.rss.push(2);
    expect(apiMetricsSchema.safeParse(body).success).to.equal(false);
  });
});
