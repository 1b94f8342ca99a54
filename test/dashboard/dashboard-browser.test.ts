/**
 * The dashboard in a real headless Chromium (Debian's `chromium`, driven by puppeteer-core), on a
 * real Rosey (`rosey start --detach`: the whole tree, the built-in plugins, a CyTube connector
 * retrying an address nobody answers, `http.token` set). One browser for the file; screenshots go
 * to reports/screenshots/.
 */
import { expect } from 'chai';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection } from '../../contract/nats.js';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import WebSocket from 'ws';
import { actorsReplySchema, watchReplySchema } from '../../contract/messages/inspect.js';
import { killReplySchema, statusReplySchema, type TreeNode } from '../../contract/messages/control.js';
import { dashboardPushSchema, type DashboardPush } from '../../contract/messages/dashboard.js';
import { request } from '../../contract/request.js';
import { subjects } from '../../contract/subjects.js';
import { runCli } from '../support/cli.js';
import { eventually } from '../support/nats.js';
import { CYTUBE_PASSWORD, HTTP_TOKEN, startRoseyWithSecrets } from '../support/rosey-with-secrets.js';
import type { ZodType } from '../../contract/zod.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = join(process.cwd(), 'reports', 'screenshots');

const findNode = (node: TreeNode, id: string): TreeNode | undefined =>
  node.id === id ? node : (node.children ?? []).map((c) => findNode(c, id)).find(Boolean);

/** A WebSocket to the dashboard from Node, as a page would open it (or not: the test's options). */
function openSocket(
  port: number,
  options: { origin?: string; token?: string; host?: string } = {},
): Promise<{ ws: WebSocket; pushes: DashboardPush[]; raw: string[] }> {
  const protocols = ['rosey.dashboard.v1'];
  if (options.token !== undefined)
    protocols.push(`rosey.token.${Buffer.from(options.token).toString('base64url')}`);
  const ws = new WebSocket(`ws://127.0.0.1:${port}/dashboard/ws`, protocols, {
    origin: options.origin ?? `http://127.0.0.1:${port}`,
    ...(options.host ? { headers: { Host: options.host } } : {}),
  });
  const pushes: DashboardPush[] = [];
  const raw: string[] = [];
  ws.on('message', (data) => {
    const text = (data as Buffer).toString();
    raw.push(text);
    pushes.push(dashboardPushSchema.parse(JSON.parse(text)));
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, pushes, raw }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

describe('the dashboard, in a headless browser', function () {
  this.timeout(120_000);
  let cwd: string;
  let rosey: Awaited<ReturnType<typeof startRoseyWithSecrets>> | undefined;
  let port: number;
  let nc: NatsConnection;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  const ask = async <T>(subject: string, data: unknown, reply: ZodType<T>): Promise<T> => {
    const result = await request(nc, subject, data, { reply, timeoutMs: 5000 });
    if (!result.ok) throw new Error(`${subject}: ${result.error.message}`);
    return result.data;
  };
  const status = () => ask(subjects.control('status'), {}, statusReplySchema);
  const shot = (name: string) =>
    page.screenshot({ path: join(SCREENSHOTS, `dashboard-${name}.png`), fullPage: true });
  /** The text of one cell of the tree's row for `actor`. */
  const cell = (actor: string, column: string) =>
    page.$eval(`#tree tr[data-actor="${actor}"] td.${column}`, (td) => td.textContent ?? '');

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    rosey = await startRoseyWithSecrets();
    ({ cwd, nc } = rosey);
    const http = findNode((await status()).tree, 'http');
    port = Number(http?.info?.port ?? expect.fail('no http port in rosey status'));
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1600, height: 1300 });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    // The token in the fragment: it never reaches the server's logs; the page keeps it for the tab.
    await page.goto(`http://127.0.0.1:${port}/dashboard#token=${HTTP_TOKEN}`);
    await page.waitForSelector('#connection.live', { timeout: 15_000 });
  });

  after(async () => {
    await browser?.close();
    await rosey?.stop();
  });

  it('loads with no console errors, under a policy that allows no inline script', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/dashboard`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).to.include("script-src 'self'").and.include("default-src 'none'");
    expect(csp).not.to.include('unsafe-inline');
    expect(await res.text()).not.to.match(/<script>|<script(?![^>]*\bsrc=)[^>]*>/);
    await page.waitForSelector('#tree tbody tr[data-actor="rosey/services/router"]');
    await shot('loaded');
    expect(consoleErrors).to.deep.equal([]);
    // The fragment is gone from the address bar once the page has taken the token.
    expect(page.url()).to.equal(`http://127.0.0.1:${port}/dashboard`);
  });

  it('lists every actor of the tree', async () => {
    const wanted = (await ask(subjects.inspectRequest('actors'), {}, actorsReplySchema)).actors
      .map((a) => a.actor)
      // The connector's own children come and go as it retries; the rest stands still.
      .filter((a) => !a.startsWith('rosey/connectors/cytube/'));
    expect(wanted.length).to.be.greaterThan(40);
    await page.waitForFunction(
      `${JSON.stringify(wanted)}.every((p) => document.querySelector('#tree tr[data-actor="' + p + '"]'))`,
      { timeout: 10_000 },
    );
  });

  it('tails the log, filtered by text and level', async () => {
    // The connector retrying logs a line each time: there is always something new.
    await page.waitForFunction(`document.querySelectorAll('#log li').length > 3`, { timeout: 10_000 });
    await page.type('#log-filter', 'cytube');
    const shown = () =>
      page.$$eval('#log li', (lis) => lis.filter((li) => !li.hidden).map((li) => li.textContent ?? ''));
    const cytube = await shown();
    expect(cytube.length).to.be.greaterThan(0);
    for (const line of cytube) expect(line.toLowerCase()).to.include('cytube');
    expect(await page.$$eval('#log li', (lis) => lis.filter((li) => li.hidden).length)).to.be.greaterThan(0);
    await page.select('#log-level', '50');
    for (const line of await shown()) expect(line).to.match(/ (ERROR|FATAL) /);
    await page.select('#log-level', '0');
    await page.$eval('#log-filter', (input) => input.setAttribute('value', ''));
    await page.evaluate(`{
      const input = document.getElementById('log-filter');
      input.value = '';
      input.dispatchEvent(new Event('input'));
    }`);
  });

  it('clicking the router draws its chart with the state it is in highlighted', async () => {
    await page.click('#tree tr[data-actor="rosey/services/router"] td.actor');
    await page.waitForSelector('#chart svg g.state.active[data-id="router.routing"]', { timeout: 10_000 });
    expect(await page.$eval('#chart-title', (t) => t.textContent)).to.include(
      'rosey/services/router in routing',
    );
    expect(await page.$$eval('#chart svg g.state.active', (gs) => gs.length)).to.equal(1);
    await shot('router-chart');
    expect(consoleErrors).to.deep.equal([]);
  });

  it('shows a kill -9 of a plugin as one more restart, without reloading the page', async () => {
    const host = 'rosey/plugins/magic-8ball/magic-8ball@1';
    await page.evaluate('window.sameDocument = true');
    const before = Number(await cell(host, 'restarts'));
    const victim = Number(await cell(host, 'pid'));
    expect(victim).to.be.greaterThan(0);
    const killedAt = Date.now();
    process.kill(victim, 'SIGKILL');
    await page.waitForFunction(
      `document.querySelector('#tree tr[data-actor="${host}"] td.restarts')?.textContent === '${before + 1}'`,
      { timeout: 15_000, polling: 50 },
    );
    // Reported, not asserted: the target is 2 s, and this machine is shared.
    process.stdout.write(
      `      restarts ${before} → ${before + 1} on the page ${Date.now() - killedAt} ms after the kill\n`,
    );
    expect(await page.evaluate('window.sameDocument')).to.equal(true);
    await page.waitForFunction(
      `!['', '${victim}'].includes(document.querySelector('#tree tr[data-actor="${host}"] td.pid')?.textContent)`,
      { timeout: 15_000 },
    );
    await shot('after-kill');
  });

  it("follows a plugin host's chart through a `rosey plugin reload`", async () => {
    const host = 'rosey/plugins/dice/dice@1';
    await page.click(`#tree tr[data-actor="${host}"] td.actor`);
    await page.waitForSelector('#chart svg g.state.active[data-id="plugin-host.alive.running"]', {
      timeout: 10_000,
    });
    // Every highlight the chart shows from now on, in order.
    await page.evaluate(`{
      const seen = (window.highlights = []);
      new MutationObserver(() => {
        const now = document.querySelector('#chart svg')?.getAttribute('data-active') ?? '';
        if (seen[seen.length - 1] !== now) seen.push(now);
      }).observe(document.getElementById('chart'), { subtree: true, attributes: true, attributeFilter: ['data-active'] });
    }`);
    const reloaded = await runCli(['plugin', 'reload', 'dice'], { cwd });
    expect(reloaded.code, reloaded.stderr).to.equal(0);
    await page.waitForFunction(`window.highlights.some((h) => h.includes('plugin-host.exited'))`, {
      timeout: 15_000,
    });
    const highlights = (await page.evaluate('window.highlights')) as string[];
    const stopping = highlights.findIndex((h) => h.includes('plugin-host.alive.stopping'));
    const exited = highlights.findIndex((h) => h.includes('plugin-host.exited'));
    expect(stopping, highlights.join(' | ')).to.be.greaterThan(-1);
    expect(exited).to.be.greaterThan(stopping);
    const events = await page.$$eval('#events li', (lis) => lis.map((li) => li.textContent ?? ''));
    expect(events.some((e) => e.includes('alive.running → alive.stopping on rosey.shutdown'))).to.equal(true);
    await shot('reload-host-chart');
    // Scrubbing back: the first kept transition, highlighted as it was then.
    await page.evaluate(`{
      const range = document.getElementById('scrubber');
      range.value = '0';
      range.dispatchEvent(new Event('input'));
    }`);
    expect(await page.$eval('#scrub-label', (l) => l.textContent)).to.match(/^1 \/ \d+$/);
    expect(await page.$eval('#events li.current', (l) => l.textContent)).to.include('started');
  });

  it('reloads a plugin from the page: its workflow chart while it runs, the outcome audited', async () => {
    await page.click('#plugins tr[data-plugin="quote-db"] button[data-verb="reload"]');
    await page.waitForFunction(
      `document.getElementById('chart-title').textContent.includes('reload_quote-db')`,
      {
        timeout: 15_000,
      },
    );
    await page.waitForFunction(`document.getElementById('action-status').textContent.startsWith('✔')`, {
      timeout: 30_000,
    });
    expect(await page.$eval('#action-status', (s) => s.textContent)).to.include(
      'quote-db reloaded: generation 1 → 2',
    );
    // Stored in Rosey's audit log (rosey.audit.admin.*) and shown as it comes back from storage.
    await page.waitForFunction(
      `document.getElementById('audit').textContent.includes('rosey:admin admin.dashboard.reload quote-db — {"source":"dashboard","outcome":"ok"')`,
    );
    expect(await page.$$eval('#events li', (lis) => lis.length)).to.be.greaterThan(2);
    await shot('reload-workflow');
    const log = await runCli(['logs', '--lines', '500'], { cwd });
    expect(log.stdout).to.include('reload quote-db');
    expect(consoleErrors).to.deep.equal([]);
  });

  it('restarts a plugin from the page: a cold restart (a new process), as `rosey restart <plugin>` does', async () => {
    const generation = () =>
      page.$eval('#plugins tr[data-plugin="trivia"] td:nth-child(3)', (td) => td.textContent);
    expect(await generation()).to.equal('1');
    await page.click('#plugins tr[data-plugin="trivia"] button[data-verb="restart"]');
    await page.waitForFunction(
      `document.getElementById('action-status').textContent.includes('trivia restarted: generation 1 → 2')`,
      { timeout: 30_000 },
    );
    await page.waitForFunction(
      `document.querySelector('#plugins tr[data-plugin="trivia"] td:nth-child(3)').textContent === '2'`,
      { timeout: 15_000 },
    );
    await page.waitForFunction(
      `document.getElementById('audit').textContent.includes('rosey:admin admin.dashboard.restart trivia — {"source":"dashboard","outcome":"ok"')`,
    );
    // 'rosey:admin' is the actor storage itself writes for the admin namespace: the record was stored.
  });

  it('refuses a socket without the token, with a wrong one, or from another origin', async () => {
    await openSocket(port).then(
      () => expect.fail('opened without a token'),
      (e: Error) => expect(e.message).to.equal('refused: 401'),
    );
    await openSocket(port, { token: `${HTTP_TOKEN}x` }).then(
      () => expect.fail('opened with a wrong token'),
      (e: Error) => expect(e.message).to.equal('refused: 401'),
    );
    await openSocket(port, { token: HTTP_TOKEN, origin: 'http://evil.example' }).then(
      () => expect.fail('opened from another origin'),
      (e: Error) => expect(e.message).to.equal('refused: 403'),
    );
    // DNS rebinding: evil.example resolving to 127.0.0.1 sends its own name as Host and Origin.
    await openSocket(port, {
      token: HTTP_TOKEN,
      origin: `http://evil.example:${port}`,
      host: `evil.example:${port}`,
    }).then(
      () => expect.fail('opened for another host name'),
      (e: Error) => expect(e.message).to.equal('refused: 403'),
    );
    const { ws } = await openSocket(port, { token: HTTP_TOKEN });
    ws.close();
  });

  it('never sends a secret: every chart, the live stream and the log through a reload', async () => {
    const { ws, raw, pushes } = await openSocket(port, { token: HTTP_TOKEN });
    // The page's own lease brings no contexts; with an `all` lease beside it (`rosey inspect
    // --follow` running), they are pushed too, and must come redacted.
    const allLease = (release: boolean) =>
      ask(subjects.inspectRequest('watch'), { watcher: 'test-secrets', release }, watchReplySchema);
    await allLease(false);
    try {
      const machines = (await ask(subjects.inspectRequest('actors'), {}, actorsReplySchema)).actors.filter(
        (a) => a.kind === 'machine' && a.status === 'active',
      );
      for (const a of machines) ws.send(JSON.stringify({ type: 'chart', actor: a.actor }));
      const reloaded = await runCli(['plugin', 'reload', 'dice'], { cwd });
      expect(reloaded.code, reloaded.stderr).to.equal(0);
      await eventually(
        () => pushes.filter((p) => p.type === 'chart').length >= machines.length - 2,
        'a chart of each machine',
        10_000,
      );
      const kinds = new Set(pushes.map((p) => p.type));
      expect([...kinds]).to.include.members(['hello', 'tree', 'inspect', 'chart']);
      // The cytube connector's context holds its config, password included: it must show redacted.
      const text = raw.join('\n');
      expect(text).to.include('cytube');
      expect(text).to.include('[redacted]');
      expect(text).not.to.include(CYTUBE_PASSWORD);
      expect(text).not.to.include(HTTP_TOKEN);
      // A request that is not one is answered, not dropped.
      ws.send(JSON.stringify({ type: 'chart', actor: '../../etc' }));
      await eventually(
        () => pushes.some((p) => p.type === 'error' && p.error.code === 'VALIDATION_ERROR'),
        'the malformed request answered',
      );
    } finally {
      ws.close();
      await allLease(true);
    }
  });

  /**
   * The leases held on the inspect actor, the probe's own included (so at least 1), and what is
   * published for them: the probe asks for transitions only, so `all` means another lease does.
   */
  const leases = () =>
    ask(subjects.inspectRequest('watch'), { watcher: 'test-probe', detail: 'transitions' }, watchReplySchema);
  const watchers = async () => (await leases()).watchers;

  it('restarted, it closes its sockets and the page connects to the new one', async () => {
    const { ws } = await openSocket(port, { token: HTTP_TOKEN });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await ask(subjects.control('kill'), { path: 'services/dashboard' }, killReplySchema);
    // The old run's socket is closed, not left open to a hub nobody feeds.
    await closed;
    await eventually(
      async () => findNode((await status()).tree, 'dashboard')?.restarts === 1,
      'the dashboard restarted',
      15_000,
    );
    await page.waitForSelector('#connection.live', { timeout: 15_000 });
    // The new run took a lease of its own for the page: 2 with the probe's.
    await eventually(async () => (await watchers()) === 2, 'the lease taken again', 10_000);
  });

  it('holds a watch lease while a page is open and gives it back when the last one closes', async () => {
    // Issue 18: the page draws states, so its lease asks for transitions only; an `all` lease made
    // the command round trip +166 % slower at p50 while a page was open.
    expect(await leases()).to.include({ watchers: 2, detail: 'transitions' });
    await page.close();
    await eventually(async () => (await watchers()) === 1, 'the lease given back', 10_000);
    await ask(subjects.inspectRequest('watch'), { watcher: 'test-probe', release: true }, watchReplySchema);
  });
});
