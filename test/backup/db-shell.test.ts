import { expect } from 'chai';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { forEachDatabase } from '../support/databases.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/nats.js';
import { roseyData, seed } from './support.js';

forEachDatabase('rosey db shell', (kind) => {
  const insert = "INSERT INTO quote_db__votes (quote_id, voter) VALUES (42, 'shell');\n";
  const count = "SELECT count(*) FROM quote_db__votes WHERE voter = 'shell';\n";

  it('is read-only by default, writes with --write, and lists a named plugin’s tables', async () => {
    const data = await roseyData(kind);
    await seed(data);
    const shell = (args: string[], input: string) =>
      runCli(['db', 'shell', ...args, '--data-dir', data.dataDir], { cwd: data.cwd, env: data.env, input });

    const readOnly = await shell([], insert);
    expect(readOnly.code).to.not.equal(0);
    expect(readOnly.stderr).to.match(kind === 'sqlite' ? /readonly database/ : /read-only transaction/);
    expect((await shell([], count)).stdout.trim()).to.match(/^0$|^\s*0\s*$|\n\s*0\n/);

    const written = await shell(['--write'], insert);
    expect(written.code, written.stderr).to.equal(0);
    expect((await shell([], count)).stdout).to.match(/\b1\b/);

    const scoped = await shell(['quote-db'], count);
    expect(scoped.code, scoped.stderr).to.equal(0);
    expect(scoped.stderr).to.include(
      "quote-db's tables: quote_db__quotes, quote_db__votes (the shell reaches the whole database, read-only)",
    );
  });

  it('a missing shell binary or an unknown plugin is one line naming what to do', async () => {
    const data = await roseyData(kind);
    await seed(data);
    // A PATH with nothing on it but node itself.
    const bin = tempDir('rosey-nobin-');
    mkdirSync(join(bin, 'b'));
    symlinkSync(process.execPath, join(bin, 'b', 'node'));
    const missing = await runCli(['db', 'shell', '--data-dir', data.dataDir], {
      cwd: data.cwd,
      env: { ...data.env, PATH: join(bin, 'b') },
    });
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.equal(
      kind === 'sqlite'
        ? 'rosey db shell: sqlite3 is not installed: install the sqlite3 package (e.g. sudo apt-get install sqlite3)\n'
        : 'rosey db shell: psql is not installed: install the postgresql-client package (e.g. sudo apt-get install postgresql-client)\n',
    );
    const unknown = await runCli(['db', 'shell', 'nope', '--data-dir', data.dataDir], {
      cwd: data.cwd,
      env: data.env,
    });
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.match(
      /^rosey db shell: no plugin nope \(known: chat-stats, countdown, dice, .*\)\n$/,
    );
  });
});
