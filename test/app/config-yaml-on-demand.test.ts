import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../support/nats.js';

const load = fileURLToPath(new URL('../../app/config/load.js', import.meta.url));

// The YAML parser (74 modules, now one: contract/yaml.ts's yaml.cjs) is loaded by a cold `rosey status` only
// with a YAML configuration, not without a file (as after `rosey dev`) or with a JSON one (issue 16:
// target 300 ms).
describe('the configuration loads the YAML parser for a YAML file only', () => {
  it('reads defaults and JSON without it, and YAML with it', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'rosey.json'), JSON.stringify({ dataDir: 'json-data' }));
    writeFileSync(join(dir, 'rosey.yaml'), 'dataDir: yaml-data\n');
    const script = `
      import { createRequire } from 'node:module';
      const { loadConfig } = await import(${JSON.stringify(load)});
      const yamlLoaded = () => Object.keys(createRequire(import.meta.url).cache).some((m) => /\\/node_modules\\/yaml\\/|\\/contract\\/yaml\\.cjs$/.test(m));
      const seen = [];
      for (const file of [undefined, 'rosey.json', 'rosey.yaml']) {
        const { dataDir } = loadConfig({ file, env: {}, cwd: ${JSON.stringify(dir)} });
        seen.push([dataDir, yamlLoaded()]);
      }
      console.log(JSON.stringify(seen));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).to.equal(0);
    expect(JSON.parse(run.stdout)).to.deep.equal([
      [join(dir, 'data'), false],
      [join(dir, 'json-data'), false],
      [join(dir, 'yaml-data'), true],
    ]);
  });
});
