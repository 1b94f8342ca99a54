import { expect } from 'chai';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYaml } from '../../contract/yaml.js';
import { ROSEY_BIN, runCli } from '../support/cli.js';
import { tempDir } from '../support/nats.js';

/** An $EDITOR that replaces the file it is given with `content` (and exits `exit`). */
function editorWriting(dir: string, content: string, exit = 0): string {
  const script = join(dir, `editor-${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(script, `#!/bin/sh\ncat > "$1" <<'ROSEY_EOF'\n${content}ROSEY_EOF\nexit ${exit}\n`);
  chmodSync(script, 0o755);
  return script;
}

const oneLine = (stderr: string) => expect(stderr.trim().split('\n')).to.have.length(1);

describe('rosey config (path, validate, show, edit)', function () {
  this.timeout(60_000);

  it('path: no file is one line and exit 1; a file prints itself and its data directory, even when invalid', async () => {
    const cwd = tempDir('rosey-config-');
    const none = await runCli(['config', 'path'], { cwd, env: { ROSEY_CONFIG: '' } });
    expect(none.code).to.equal(1);
    oneLine(none.stderr);
    expect(none.stderr).to.match(/no configuration file .*built-in defaults/);

    writeFileSync(join(cwd, 'rosey.yaml'), 'dataDir: state\nrouter:\n  bogus: 1\n');
    const found = await runCli(['config', 'path'], { cwd, env: { ROSEY_CONFIG: '' } });
    expect(found.code, found.stderr).to.equal(0);
    expect(found.stdout.trim().split('\n')).to.deep.equal([
      join(cwd, 'rosey.yaml'),
      `data directory: ${join(cwd, 'state')}`,
    ]);
  });

  it('validate lists every problem with its key and exits 1; a valid file exits 0', async () => {
    const cwd = tempDir('rosey-config-');
    writeFileSync(
      join(cwd, 'bad.yaml'),
      'router:\n  commandTimeoutMs: 5\n  bogus: 1\nhttp:\n  token: short\nbot:\n  name: ""\n',
    );
    const bad = await runCli(['config', 'validate', 'bad.yaml'], { cwd });
    expect(bad.code).to.equal(1);
    const listed = bad.stdout
      .trim()
      .split('\n')
      .map((l) => l.trim());
    expect(listed).to.have.length(4);
    for (const key of [
      'router.commandTimeoutMs: ',
      'router.bogus: unknown key',
      'http.token: ',
      'bot.name: ',
    ])
      expect(
        listed.some((l) => l.startsWith(key)),
        key,
      ).to.equal(true);
    oneLine(bad.stderr);
    expect(bad.stderr).to.contain('bad.yaml: 4 problems');

    writeFileSync(join(cwd, 'good.json'), JSON.stringify({ router: { commandTimeoutMs: 3000 } }));
    const good = await runCli(['config', 'validate', 'good.json'], { cwd });
    expect(good.code, good.stderr).to.equal(0);
    expect(good.stdout.trim()).to.equal(`${join(cwd, 'good.json')}: valid`);

    writeFileSync(join(cwd, 'broken.yaml'), 'router: [\n');
    const broken = await runCli(['config', 'validate', 'broken.yaml'], { cwd });
    expect(broken.code).to.equal(1);
    oneLine(broken.stderr);
    expect(broken.stderr).to.contain('not valid YAML');

    const missing = await runCli(['config', 'validate', 'nope.yaml'], { cwd });
    expect(missing.code).to.equal(1);
    oneLine(missing.stderr);
    expect(missing.stderr).to.contain('config file not found');
  });

  it('show fills the defaults and masks every secret, from the file or the environment', async () => {
    const cwd = tempDir('rosey-config-');
    writeFileSync(
      join(cwd, 'rosey.yaml'),
      [
        'database:',
        '  url: postgres://bob:hunter2@db.example/rosey',
        'nats:',
        '  url: nats://127.0.0.1:4222',
        '  token: nats-token-value',
        'http:',
        '  token: abcdefghijklmnopqrstu',
        'plugins:',
        '  settings:',
        '    quote-db:',
        '      config: { apiKey: plugin-secret-key }',
        '',
      ].join('\n'),
    );
    const env = { ROSEY_CONFIG: '', DATABASE_URL: '' };
    const shown = await runCli(['config', 'show'], { cwd, env });
    expect(shown.code, shown.stderr).to.equal(0);
    for (const secret of ['hunter2', 'nats-token-value', 'abcdefghijklmnopqrstu', 'plugin-secret-key'])
      expect(shown.stdout, secret).not.to.contain(secret);
    const yaml = parseYaml(shown.stdout) as Record<string, Record<string, unknown>>;
    expect(yaml.router!.commandTimeoutMs).to.equal(5000);
    expect(yaml.http!.token).to.equal('[Redacted]');
    expect(yaml.database!.url).to.equal('postgres://bob:[Redacted]@db.example/rosey');

    const json = await runCli(['config', 'show', '--json'], {
      cwd,
      env: { ...env, DATABASE_URL: 'postgres://eve:from-env@db/rosey' },
    });
    expect(json.code, json.stderr).to.equal(0);
    expect(json.stdout).not.to.contain('from-env');
    const parsed = JSON.parse(json.stdout) as { database: { url: string } };
    expect(parsed.database.url).to.equal('postgres://eve:[Redacted]@db/rosey');
  });

  it('show on an invalid file: one line naming the first problem, exit 1', async () => {
    const cwd = tempDir('rosey-config-');
    writeFileSync(join(cwd, 'rosey.yaml'), 'router:\n  bogus: 1\n');
    const result = await runCli(['config', 'show'], { cwd, env: { ROSEY_CONFIG: '' } });
    expect(result.code).to.equal(1);
    oneLine(result.stderr);
    expect(result.stderr).to.contain('router.bogus: unknown key');
  });

  it('edit saves a valid edit in place, keeping the file mode, and leaves nothing beside it', async () => {
    const cwd = tempDir('rosey-config-');
    const file = join(cwd, 'rosey.yaml');
    writeFileSync(file, 'router:\n  commandTimeoutMs: 5000\n');
    chmodSync(file, 0o640);
    const editor = editorWriting(cwd, 'router:\n  commandTimeoutMs: 7000\n');
    const result = await runCli(['config', 'edit'], {
      cwd,
      env: { ROSEY_CONFIG: '', EDITOR: editor, VISUAL: '' },
    });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.contain(`saved ${file}`);
    expect(readFileSync(file, 'utf8')).to.equal('router:\n  commandTimeoutMs: 7000\n');
    expect(statSync(file).mode & 0o777).to.equal(0o640);
    expect(readdirSync(cwd).filter((f) => f.includes('.edit-'))).to.deep.equal([]);
  });

  it('edit refuses to save an invalid edit: the file is unchanged, the edit is kept, exit 1', async () => {
    const cwd = tempDir('rosey-config-');
    const file = join(cwd, 'rosey.yaml');
    writeFileSync(file, 'router:\n  commandTimeoutMs: 5000\n');
    const editor = editorWriting(cwd, 'router:\n  commandTimeoutMs: 1\n  bogus: true\n');
    const result = await runCli(['config', 'edit'], {
      cwd,
      env: { ROSEY_CONFIG: '', EDITOR: editor, VISUAL: '' },
    });
    expect(result.code).to.equal(1);
    expect(readFileSync(file, 'utf8')).to.equal('router:\n  commandTimeoutMs: 5000\n');
    // The problems name the file being edited, not the hidden copy.
    expect(result.stdout).to.contain('router.commandTimeoutMs:');
    expect(result.stdout).to.contain('router.bogus: unknown key');
    oneLine(result.stderr);
    const kept = /kept in (\S+)$/.exec(result.stderr.trim());
    expect(kept, result.stderr).to.not.equal(null);
    expect(readFileSync(kept![1]!, 'utf8')).to.equal('router:\n  commandTimeoutMs: 1\n  bogus: true\n');
  });

  it('edit in a terminal offers to edit an invalid copy again, and saves it once it is valid', async () => {
    const cwd = tempDir('rosey-config-');
    const file = join(cwd, 'rosey.yaml');
    writeFileSync(file, 'router:\n  commandTimeoutMs: 5000\n');
    // First round writes an invalid file, the second a valid one.
    const editor = join(cwd, 'two-rounds.sh');
    writeFileSync(
      editor,
      `#!/bin/sh\nif [ -f "${cwd}/round1" ]; then printf 'router:\\n  commandTimeoutMs: 9000\\n' > "$1"; ` +
        `else touch "${cwd}/round1"; printf 'router:\\n  commandTimeoutMs: 1\\n' > "$1"; fi\n`,
    );
    chmodSync(editor, 0o755);
    // `script` (util-linux) gives the command a terminal, where the question is asked.
    const result = await runCli([], {
      cwd,
      input: 'y\n',
      env: { ROSEY_CONFIG: '', EDITOR: editor, VISUAL: '' },
      shell: `script -qec ${JSON.stringify(`${process.execPath} ${ROSEY_BIN} config edit`)} /dev/null`,
    });
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.contain('router.commandTimeoutMs:');
    expect(result.stdout).to.contain('Edit it again? [Y/n]');
    expect(result.stdout).to.contain(`saved ${file}`);
    expect(readFileSync(file, 'utf8')).to.equal('router:\n  commandTimeoutMs: 9000\n');
  });

  it('edit with no file creates ./rosey.yaml (owner-only); an editor that fails saves nothing', async () => {
    const cwd = tempDir('rosey-config-');
    const failing = await runCli(['config', 'edit'], {
      cwd,
      env: { ROSEY_CONFIG: '', EDITOR: editorWriting(cwd, 'bot:\n  name: Rosie\n', 3), VISUAL: '' },
    });
    expect(failing.code).to.equal(1);
    oneLine(failing.stderr);
    expect(failing.stderr).to.match(/exited with 3: nothing saved; your edit is kept in/);
    expect(existsSync(join(cwd, 'rosey.yaml'))).to.equal(false);

    const created = await runCli(['config', 'edit'], {
      cwd,
      env: { ROSEY_CONFIG: '', EDITOR: editorWriting(cwd, 'bot:\n  name: Rosie\n'), VISUAL: '' },
    });
    expect(created.code, created.stderr).to.equal(0);
    expect(readFileSync(join(cwd, 'rosey.yaml'), 'utf8')).to.equal('bot:\n  name: Rosie\n');
    expect(statSync(join(cwd, 'rosey.yaml')).mode & 0o777).to.equal(0o600);

    const missing = await runCli(['config', 'edit'], {
      cwd,
      env: { ROSEY_CONFIG: '', EDITOR: 'no-such-editor-here', VISUAL: '' },
    });
    expect(missing.code).to.equal(1);
    oneLine(missing.stderr);
    expect(missing.stderr).to.contain('editor not found: no-such-editor-here (set $EDITOR): nothing saved');
  });
});
