import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYaml } from '../../contract/yaml.js';
import { runCli } from '../support/cli.js';
import { archiveEntries, roseyData, seed } from './support.js';

describe('rosey db backup: the configuration in the archive', function () {
  this.timeout(120_000);
  const config = [
    'dataDir: data',
    'database:',
    '  url: sqlite:rosey.db',
    'nats:',
    '  token: nats-secret-token',
    'http:',
    '  token: a-long-http-token-0123456789',
    'platforms:',
    '  cytube:',
    '    channel: mychannel',
    '    username: RoseyBot',
    '    password: hunter2-cytube',
    '    channelPassword: chan-pass',
    'telemetry:',
    '  otlpEndpoint: https://user:otlp-pass@collector.example.org',
    '',
  ].join('\n');

  it('masks every secret unless --include-secrets; a restore saves it aside and names what differs', async () => {
    const data = await roseyData('sqlite');
    await seed(data);
    writeFileSync(join(data.cwd, 'rosey.yaml'), config);
    const masked = await runCli(['db', 'backup', 'masked.tar.gz', '-c', 'rosey.yaml'], { cwd: data.cwd });
    expect(masked.code, masked.stderr).to.equal(0);
    expect(masked.stdout).to.include('config: secrets masked');
    const text = (await archiveEntries(join(data.cwd, 'masked.tar.gz'))).get('config/rosey.yaml')!.toString();
    for (const secret of [
      'nats-secret-token',
      'a-long-http-token',
      'hunter2-cytube',
      'chan-pass',
      'otlp-pass',
    ])
      expect(text).to.not.include(secret);
    expect(parseYaml(text)).to.deep.include({ dataDir: 'data' });
    expect(
      (parseYaml(text) as { platforms: { cytube: Record<string, string> } }).platforms.cytube,
    ).to.deep.equal({
      channel: 'mychannel',
      username: 'RoseyBot',
      password: '[Redacted]',
      channelPassword: '[Redacted]',
    });

    const full = await runCli(['db', 'backup', 'full.tar.gz', '--include-secrets', '-c', 'rosey.yaml'], {
      cwd: data.cwd,
    });
    expect(full.code, full.stderr).to.equal(0);
    expect(full.stdout).to.include('config: secrets included');
    expect(
      (await archiveEntries(join(data.cwd, 'full.tar.gz'))).get('config/rosey.yaml')!.toString(),
    ).to.equal(config);

    writeFileSync(join(data.cwd, 'rosey.yaml'), config.replace('mychannel', 'otherchannel'));
    const restored = await runCli(['db', 'restore', 'full.tar.gz', '-c', 'rosey.yaml'], { cwd: data.cwd });
    expect(restored.code, restored.stderr).to.equal(0);
    expect(restored.stdout).to.include(
      '  config: differs in 1 key: platforms.cytube.channel (secrets included; saved, not applied)',
    );
    const saved = /backup's configuration is saved as (\S+) \(not applied\)/.exec(restored.stdout)![1]!;
    expect(readFileSync(saved, 'utf8')).to.equal(config);
    expect(readFileSync(join(data.cwd, 'rosey.yaml'), 'utf8')).to.include('otherchannel');
  });
});
