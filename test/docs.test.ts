import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive, ROSEY_BIN } from './support/cli.js';
import { tempDir } from './support/nats.js';

/**
 * Runs the examples in the docs. In a ```console block, `$ cmd` lines are run with bash (with
 * `rosey` on the PATH) and the lines after them are the expected output, in any order, `…`
 * standing for any text; `# exit N` at the end of a command expects that exit code. A
 * ```yaml file=NAME block writes NAME first. Each document runs in its own empty folder.
 */
const REPO = fileURLToPath(new URL('../../', import.meta.url));

type Step =
  | { kind: 'file'; name: string; content: string }
  | { kind: 'command'; command: string; exit: number; expected: string[] };

export function parseDoc(markdown: string): Step[] {
  const steps: Step[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\w+)(?:\s+file=(\S+))?\s*$/.exec(lines[i]!);
    if (!fence) continue;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    if (fence[2]) steps.push({ kind: 'file', name: fence[2], content: body.join('\n') + '\n' });
    else if (fence[1] === 'console') {
      for (const line of body) {
        if (line.startsWith('$ ')) {
          const exit = /\s+# exit (\d+)$/.exec(line);
          steps.push({
            kind: 'command',
            command: line.slice(2).replace(/\s+# exit \d+$/, ''),
            exit: exit ? Number(exit[1]) : 0,
            expected: [],
          });
        } else if (line.trim()) {
          const last = steps.at(-1);
          if (last?.kind === 'command') last.expected.push(line);
        }
      }
    }
  }
  return steps;
}

const pattern = (expected: string) =>
  new RegExp(
    `^${expected
      .split('…')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );

function run(command: string, cwd: string, bin: string): Promise<{ code: number | null; output: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], {
      cwd,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out: ${command}\n${out}`));
    }, 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: out.split('\n').filter((l) => l.trim() !== '') });
    });
    child.stdin.end();
  });
}

function shim(): string {
  const bin = tempDir('rosey-bin-');
  writeFileSync(join(bin, 'rosey'), `#!/usr/bin/env bash\nexec "${process.execPath}" "${ROSEY_BIN}" "$@"\n`);
  chmodSync(join(bin, 'rosey'), 0o755);
  return bin;
}

const docs = [
  ...readdirSync(join(REPO, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
  'README.md',
];

describe('docs: every example runs as shown', function () {
  // docs/cli.md runs some forty commands, each a CLI process (about 3 min on a loaded 2-core machine).
  this.timeout(300_000);
  const bin = shim();
  const folders: string[] = [];

  after(() => {
    // If an example failed half-way, do not leave a detached Rosey behind.
    for (const folder of folders) {
      for (const dataDir of ['data', 'state']) {
        const file = join(folder, dataDir, 'rosey.runtime.json');
        if (!existsSync(file)) continue;
        const { pid } = JSON.parse(readFileSync(file, 'utf8')) as { pid: number };
        if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      }
    }
  });

  for (const doc of docs) {
    const steps = parseDoc(readFileSync(join(REPO, doc), 'utf8'));
    if (!steps.some((s) => s.kind === 'command')) continue;
    it(doc, async () => {
      const cwd = tempDir('rosey-doc-');
      folders.push(cwd);
      for (const step of steps) {
        if (step.kind === 'file') {
          mkdirSync(dirname(join(cwd, step.name)), { recursive: true });
          writeFileSync(join(cwd, step.name), step.content);
          continue;
        }
        const { code, output } = await run(step.command, cwd, bin);
        const shown = `$ ${step.command}\n${output.join('\n')}`;
        expect(code, shown).to.equal(step.exit);
        expect(output.length, shown).to.equal(step.expected.length);
        const unused = [...output];
        for (const line of step.expected) {
          const at = unused.findIndex((actual) => pattern(line).test(actual));
          expect(at, `expected a line like: ${line}\n${shown}`).to.be.at.least(0);
          unused.splice(at, 1);
        }
      }
    });
  }

  it('README quick start: exactly two commands; the first runs Rosey, the second is what CI runs', async () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const block = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme);
    expect(block, 'a Quick start section with a sh block').to.not.equal(null);
    const commands = block![1]!.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
    expect(commands).to.have.length(2);
    const [start, test] = commands.map((c) => c.replace(/\s+#.*$/, '').trim()) as [string, string];
    const ci = readFileSync(join(REPO, '.ci/run'), 'utf8').trim().split('\n').at(-1);
    expect(test).to.equal(ci);
    const data = tempDir('rosey-quickstart-');
    const { code, output } = await run(`printf '!roll 2d6\\n' | ${start} --data-dir ${data}`, REPO, bin);
    expect(code, output.join('\n')).to.equal(0);
    expect(output.filter((l) => l.startsWith('Rosey: '))).to.have.length(1);
    expect(output.join('\n')).to.match(/Rosey: you rolled 2d6: \d, \d = \d+/);
  });
});
