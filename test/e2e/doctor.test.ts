import { expect } from 'chai';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { isAlive, runCli } from '../support/cli.js';
import { FIXTURE_PLUGINS } from '../support/mini-rosey.js';
import { tempDir } from '../support/nats.js';

interface Check {
  check: string;
  status: 'ok' | 'warn' | 'fail' | 'skip';
  detail: string;
  fix?: string;
}

const CHECKS = [
  'node',
  'config',
  'nats-server',
  'data directory',
  'database',
  'plugins',
  'ports',
  'cytube',
  'tracing',
  'running rosey',
];

async function doctor(cwd: string, env: NodeJS.ProcessEnv = {}) {
  const result = await runCli(['doctor', '--json', '--timeout', '3000'], {
    cwd,
    env: { ROSEY_CONFIG: '', ...env },
  });
  const checks = JSON.parse(result.stdout) as Check[];
  const by = (name: string) => checks.find((c) => c.check === name)!;
  return { ...result, checks, by };
}

function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

describe('rosey doctor', function () {
  this.timeout(90_000);
  const servers: Array<{ close(): unknown }> = [];
  afterEach(() => servers.splice(0).forEach((s) => s.close()));

  it('a fresh folder: every check runs, none fails, exit 0, and nothing is created', async () => {
    const cwd = tempDir('rosey-doctor-');
    const { code, checks, by, stderr } = await doctor(cwd);
    expect(code, stderr).to.equal(0);
    expect(checks.map((c) => c.check)).to.deep.equal(CHECKS);
    expect(checks.filter((c) => c.status === 'fail')).to.deep.equal([]);
    expect(by('database').detail).to.match(/SQLite .*rosey\.db \(created at the first start\)/);
    expect(by('plugins').detail).to.contain('dice 1.0.0');
    expect(by('running rosey').status).to.equal('skip');
    // A check must not leave state behind (opening SQLite would create the file and its folder).
    expect(readdirSync(cwd)).to.deep.equal([]);
  });

  it('an invalid configuration fails with every problem and skips the checks that need it', async () => {
    const cwd = tempDir('rosey-doctor-');
    writeFileSync(join(cwd, 'rosey.yaml'), 'router:\n  commandTimeoutMs: 1\n  bogus: 2\n');
    const { code, by, checks, stderr } = await doctor(cwd);
    expect(code).to.equal(1);
    expect(stderr.trim()).to.equal('rosey doctor: 1 check failed');
    expect(by('config').status).to.equal('fail');
    expect(by('config').detail)
      .to.contain('router.commandTimeoutMs')
      .and.to.contain('router.bogus: unknown key');
    expect(checks.slice(2).map((c) => c.status)).to.deep.equal(Array(CHECKS.length - 2).fill('skip'));
  });

  it('names each broken part with what to try: binary, database, manifest, port, CyTube', async () => {
    const cwd = tempDir('rosey-doctor-');
    const plugins = join(cwd, 'my-plugins');
    mkdirSync(join(plugins, 'broken'), { recursive: true });
    writeFileSync(join(plugins, 'broken', 'manifest.yaml'), 'name: Not A Name!\nversion: one\n');
    const held = createTcpServer();
    servers.push(held);
    const port = await listen(held);
    const cytube = createServer((_req, res) => res.writeHead(404).end('no such page'));
    servers.push(cytube);
    const cytubePort = await listen(cytube);
    writeFileSync(
      join(cwd, 'rosey.yaml'),
      [
        'nats:',
        '  binary: /nonexistent/nats-server',
        'plugins:',
        '  paths: [my-plugins]',
        'http:',
        '  enabled: true',
        `  port: ${port}`,
        'platforms:',
        '  cytube:',
        `    server: http://127.0.0.1:${cytubePort}`,
        '    channel: lounge',
        '    username: RoseyBot',
        '',
      ].join('\n'),
    );
    const { code, by, stderr, stdout } = await doctor(cwd, {
      DATABASE_URL: 'postgres://rosey:pw@127.0.0.1:1/rosey',
    });
    expect(code).to.equal(1);
    expect(stderr.trim()).to.equal('rosey doctor: 5 checks failed');
    expect(by('nats-server')).to.include({ status: 'fail', detail: '/nonexistent/nats-server not found' });
    expect(by('nats-server').fix).to.contain('apt-get install nats-server');
    expect(by('database').status).to.equal('fail');
    expect(by('database').detail).to.match(/^PostgreSQL postgres:\/\/rosey:\*\*\*@127\.0\.0\.1:1\/rosey: /);
    expect(stdout, 'the password never shows').not.to.contain(':pw@');
    expect(by('plugins').status).to.equal('fail');
    expect(by('plugins').detail).to.contain('broken');
    expect(by('ports')).to.include({
      status: 'fail',
      detail: `127.0.0.1:${port} (http.port): in use by another program`,
    });
    expect(by('cytube').status).to.equal('fail');
    expect(by('cytube').detail).to.contain('HTTP 404');
  });

  it('tracing: the sampler Rosey would start with, and whether the collector answers', async () => {
    const cwd = tempDir('rosey-doctor-');
    const collector = createTcpServer((socket) => socket.destroy());
    servers.push(collector);
    const port = await listen(collector);
    const on = {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    };
    const fine = await doctor(cwd, on);
    expect(fine.by('tracing')).to.deep.equal({
      check: 'tracing',
      status: 'ok',
      detail: `http://127.0.0.1:${port}/v1/traces accepts connections; 25 % of traces recorded`,
    });
    expect(fine.code, fine.stderr).to.equal(0);

    // A sampler Rosey cannot be stops its start: the doctor says so before it does.
    const wrong = await doctor(cwd, { ...on, OTEL_TRACES_SAMPLER: 'jaeger_remote' });
    expect(wrong.by('tracing').status).to.equal('fail');
    expect(wrong.by('tracing').detail).to.contain('OTEL_TRACES_SAMPLER=jaeger_remote is not a sampler');
    expect(wrong.code).to.equal(1);

    // A collector that is down only loses spans: a warning.
    await new Promise<void>((resolve) => collector.close(() => resolve()));
    const down = await doctor(cwd, { ...on, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` });
    expect(down.by('tracing').status).to.equal('warn');
    expect(down.by('tracing').detail).to.match(
      new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port}/v1/traces: .*ECONNREFUSED`),
    );
    expect(down.code, 'a warning does not fail the doctor').to.equal(0);
  });

  it('the text form: one line per check with its mark, the fix under it', async () => {
    const cwd = tempDir('rosey-doctor-');
    writeFileSync(join(cwd, 'rosey.yaml'), 'nats:\n  binary: /nonexistent/nats-server\n');
    const { code, stdout } = await runCli(['doctor'], { cwd, env: { ROSEY_CONFIG: '' } });
    expect(code).to.equal(1);
    const lines = stdout.trim().split('\n');
    const nats = lines.findIndex((l) => l.startsWith('✗ nats-server'));
    expect(lines[nats]).to.contain('/nonexistent/nats-server not found');
    expect(lines[nats + 1]!.trim()).to.match(/^→ .*apt-get install nats-server/);
    expect(lines.find((l) => l.startsWith('✓ config'))).to.contain('rosey.yaml is valid');
  });

  it('a running Rosey: answered through it, and a failed plugin is a failure naming it', async () => {
    const cwd = tempDir('rosey-doctor-');
    writeFileSync(
      join(cwd, 'rosey.yaml'),
      [
        'plugins:',
        `  paths: [${JSON.stringify(FIXTURE_PLUGINS)}]`,
        '  builtin: false',
        '  disabled: [not-a-plugin, badmig, memo, echo, kicker, otel-probe]',
        '  settings:',
        '    fails-at-start: { intensity: 0 }',
        '',
      ].join('\n'),
    );
    const started = await runCli(['start', '--detach'], { cwd, env: { ROSEY_CONFIG: '' } });
    expect(started.code, started.stderr).to.equal(0);
    const pid = Number(/pid (\d+)/.exec(started.stdout)![1]);
    try {
      let report = await doctor(cwd);
      for (let i = 0; i < 40 && report.by('running rosey').status !== 'fail'; i++) {
        await new Promise((r) => setTimeout(r, 250));
        report = await doctor(cwd);
      }
      expect(report.code).to.equal(1);
      expect(report.by('running rosey').detail).to.match(
        new RegExp(`^pid ${pid}: failed: plugins/fails-at-start`),
      );
      expect(report.by('ports')).to.include({ status: 'skip', detail: 'held by the running Rosey' });
      // badmig and memo are disabled: their pending migrations are not a warning.
      expect(report.by('database').status).to.equal('ok');
      expect(report.by('running rosey').fix).to.equal(
        'rosey plugin info fails-at-start says why; fix it, then rosey plugin reload fails-at-start',
      );
    } finally {
      await runCli(['stop'], { cwd, env: { ROSEY_CONFIG: '' } });
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});
