import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `rosey plugin install` from a git repository (the design documents' workflow:
 * `rosey plugin install https://github.com/user/markov-chat`): a URL (`https://`, `ssh://`,
 * `git://`, `file://`, `user@host:path`), a path ending in `.git`, or a bare repository's folder.
 * A plugin folder that happens to be a git work tree is installed as the folder it is.
 */
export function isGitSource(source: string): boolean {
  if (/^(https?|ssh|git|file):\/\//i.test(source) || /^[\w.-]+@[\w.-]+:/.test(source)) return true;
  if (source.replace(/[\\/]+$/, '').endsWith('.git')) return true;
  return isBareRepository(source);
}

function isBareRepository(dir: string): boolean {
  try {
    return (
      statSync(dir).isDirectory() &&
      existsSync(join(dir, 'HEAD')) &&
      existsSync(join(dir, 'objects')) &&
      existsSync(join(dir, 'refs')) &&
      !existsSync(join(dir, 'manifest.yaml'))
    );
  } catch {
    return false;
  }
}

/** Runs git; rejects with its last line of stderr (what git says went wrong). */
function git(args: string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      // Never ask for a password: a private repository fails instead of hanging.
      {
        cwd,
        encoding: 'utf8',
        // ssh asks for host keys and passphrases on the terminal itself: batch mode fails instead.
        env: {
          ...process.env,
          GIT_TERMINAL_PROMPT: '0',
          GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes',
        },
        timeout: 120_000,
      },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        if ((error as NodeJS.ErrnoException).code === 'ENOENT')
          return reject(new Error('git is not installed (Debian: apt-get install git)'));
        const said = stderr.trim().split('\n').filter(Boolean).at(-1);
        reject(new Error(said ?? error.message));
      },
    );
  });
}

/**
 * Checks out `ref` (a tag, branch or commit; the default branch's head when absent) of the
 * repository into `checkout` in a new temporary folder. `remove()` deletes it all.
 */
export async function checkoutGitSource(
  source: string,
  ref: string | undefined,
): Promise<{ dir: string; commit: string; remove: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'rosey-git-'));
  const dir = join(root, 'checkout');
  const remove = () => rm(root, { recursive: true, force: true });
  try {
    try {
      // `--` ends the options: a source starting with `-` is a path, never a flag for git.
      await git(['clone', '--quiet', '--no-checkout', '--', source, dir]);
    } catch (error) {
      throw new Error(`cannot clone ${source}: ${(error as Error).message}`, { cause: error });
    }
    const wanted = ref ?? 'HEAD';
    // A branch other than the default one exists only as `origin/<branch>` in a fresh clone.
    let commit: string | undefined;
    for (const name of [wanted, `origin/${wanted}`]) {
      commit ??= await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${name}^{commit}`], dir)
        .then((out) => out.trim())
        .catch(() => undefined);
    }
    if (!commit) throw new Error(`${source} has no tag, branch or commit ${wanted}`);
    await git(['checkout', '--quiet', commit], dir);
    return { dir, commit, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}
