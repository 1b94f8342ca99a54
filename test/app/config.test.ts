import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../app/config/load.js';
import { tempDir } from '../support/nats.js';

function write(name: string, text: string): string {
  const file = join(tempDir(), name);
  writeFileSync(file, text);
  return file;
}

const failure = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('config', () => {
  it('has working defaults without a file, with data under ./data', () => {
    const { config, dataDir } = loadConfig({ env: {}, cwd: '/srv/bot' });
    expect(config.bot).to.deep.equal({ name: 'Rosey', commandPrefix: '!' });
    expect(config.nats.url).to.equal(undefined);
    expect(config.router.commandTimeoutMs).to.equal(5000);
    expect(dataDir).to.equal('/srv/bot/data');
  });

  it('reads YAML and JSON, resolving dataDir against the file folder', () => {
    const yaml = write('rosey.yaml', 'bot:\n  name: Bea\n  commandPrefix: "~"\ndataDir: state\n');
    const loaded = loadConfig({ file: yaml, env: {} });
    expect(loaded.config.bot.name).to.equal('Bea');
    expect(loaded.dataDir).to.equal(join(loaded.baseDir, 'state'));
    const json = write('rosey.json', JSON.stringify({ router: { defaultCooldownMs: 0 } }));
    expect(loadConfig({ file: json, env: {} }).config.router.defaultCooldownMs).to.equal(0);
  });

  it('names the bad key in one line', () => {
    const bad = write('bad.yaml', 'router:\n  commandTimeoutMs: fast\n');
    expect(failure(() => loadConfig({ file: bad, env: {} }))).to.match(
      /bad\.yaml: router\.commandTimeoutMs: .*expected number/,
    );
    const unknown = write('typo.yaml', 'bot:\n  nmae: Rosey\n');
    expect(failure(() => loadConfig({ file: unknown, env: {} }))).to.match(
      /typo\.yaml: bot\.nmae: unknown key/,
    );
    const notYaml = write('broken.yaml', 'bot: [unclosed\n');
    const message = failure(() => loadConfig({ file: notYaml, env: {} }));
    expect(message).to.match(/broken\.yaml: not valid YAML/);
    expect(message).to.not.include('\n');
    expect(failure(() => loadConfig({ file: '/nope/rosey.yaml', env: {} }))).to.equal(
      'config file not found: /nope/rosey.yaml',
    );
    // Issue 15 defect 9: a directory was refused with a bare `EISDIR: illegal operation on a directory, read`.
    const dir = tempDir();
    expect(failure(() => loadConfig({ file: dir, env: {} }))).to.equal(
      `config file ${dir} is a directory; expected a YAML or JSON file`,
    );
    const list = write('list.yaml', '- a\n- b\n');
    expect(failure(() => loadConfig({ file: list, env: {} }))).to.match(/top level must be a mapping/);
  });

  it('lets NATS_URL, DATABASE_URL and ROSEY_CONFIG override the file', () => {
    const file = write('env.yaml', 'nats:\n  url: nats://file:4222\ndatabase:\n  url: sqlite:file.db\n');
    const { config } = loadConfig({
      env: { ROSEY_CONFIG: file, NATS_URL: 'nats://env:4222', DATABASE_URL: 'postgres://u:p@db/rosey' },
    });
    expect(config.nats.url).to.equal('nats://env:4222');
    expect(config.database.url).to.equal('postgres://u:p@db/rosey');
  });

  it('a CyTube channel: defaults, and credentials from CYTUBE_* only where a channel is configured', () => {
    const file = write('cytube.yaml', 'bot:\n  name: RoseyBot\nplatforms:\n  cytube:\n    channel: mychan\n');
    const { config } = loadConfig({
      file,
      env: { CYTUBE_PASSWORD: 'secret', CYTUBE_CHANNEL_PASSWORD: 'door' },
    });
    expect(config.platforms.cytube).to.deep.equal({
      server: 'https://cytu.be',
      channel: 'mychan',
      password: 'secret',
      channelPassword: 'door',
      maxMessageLength: 320,
      maxReplyParts: 4,
      reconnect: { minMs: 1000, maxMs: 60_000 },
    });
    const none = loadConfig({ env: { CYTUBE_PASSWORD: 'secret' }, cwd: '/srv/bot' });
    expect(none.config.platforms.cytube).to.equal(undefined);
  });

  it('refuses CyTube names CyTube would refuse, in one line', () => {
    const badName = write(
      'badname.yaml',
      'bot:\n  name: Rosey Bot\nplatforms:\n  cytube:\n    channel: mychan\n',
    );
    expect(failure(() => loadConfig({ file: badName, env: {} }))).to.match(
      /platforms\.cytube\.username: bot\.name "Rosey Bot" is not a valid CyTube name .*: set platforms\.cytube\.username/,
    );
    const badChannel = write('badchan.yaml', 'platforms:\n  cytube:\n    channel: "bad name!"\n');
    expect(failure(() => loadConfig({ file: badChannel, env: {} }))).to.match(
      /platforms\.cytube\.channel: a CyTube channel name/,
    );
    const noChannel = write('nochan.yaml', 'platforms:\n  cytube:\n    server: https://cytu.be\n');
    expect(failure(() => loadConfig({ file: noChannel, env: {} }))).to.match(/platforms\.cytube\.channel/);
  });

  it('command-line overrides win over the file', () => {
    const file = write('over.yaml', 'platforms:\n  console:\n    user: filer\n    rank: 2\n');
    const { config } = loadConfig({ file, env: {}, overrides: { platforms: { console: { user: 'cli' } } } });
    expect(config.platforms.console).to.deep.equal({ user: 'cli', rank: 2, cooldowns: false });
    const cooled = loadConfig({
      file,
      env: {},
      overrides: { platforms: { console: { cooldowns: true } } },
    }).config.platforms.console;
    expect(cooled).to.deep.equal({ user: 'filer', rank: 2, cooldowns: true });
  });
});
