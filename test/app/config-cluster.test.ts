import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../app/config/load.js';
import { defaultNodeName } from '../../app/config/schema.js';

const problem = (overrides: Parameters<typeof loadConfig>[0]['overrides']) => {
  try {
    loadConfig({ env: {}, overrides });
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
};

const PG = 'postgres://rosey@127.0.0.1:5432/rosey';
const SEEDS = ['nats://127.0.0.1:4222', 'nats://127.0.0.1:4223'];

describe('config: nodes of a cluster (docs/guides/SCALING.md)', () => {
  it('takes a node name and the cluster seeds with PostgreSQL, with defaults for the timings', () => {
    const { config } = loadConfig({
      env: {},
      overrides: { node: { name: 'a' }, cluster: { urls: SEEDS }, database: { url: PG } },
    });
    expect(config.node.name).to.equal('a');
    expect(config.cluster).to.deep.include({ urls: SEEDS, heartbeatMs: 1000, statusTimeoutMs: 2000 });
  });

  it('refuses a node on SQLite, naming the key that made it a node', () => {
    expect(problem({ node: { name: 'a' }, cluster: { urls: SEEDS } })).to.equal(
      'config: node.name: node a shares its database with the other nodes: set database.url to PostgreSQL (postgres://…); SQLite cannot be shared',
    );
    expect(problem({ cluster: { urls: SEEDS }, database: { url: 'sqlite:rosey.db' } })).to.match(
      /^config: database\.url: a node of a cluster shares its database/,
    );
  });

  it('refuses a node name without a cluster, and names that are no subject token', () => {
    expect(problem({ node: { name: 'a' }, database: { url: PG } })).to.equal(
      'config: cluster.urls: node a needs the NATS cluster the nodes meet on: set cluster.urls',
    );
    for (const name of ['A', 'a.b', 'a*', '-a', 'x'.repeat(33)])
      expect(problem({ node: { name }, cluster: { urls: SEEDS }, database: { url: PG } })).to.match(
        /^config: node\.name: 1-32 of a-z/,
      );
    expect(problem({ cluster: { urls: [] }, database: { url: PG } })).to.match(/^config: cluster\.urls: /);
  });

  it('without a name, a node is called after its host, made a valid name', () => {
    expect(defaultNodeName('web-1')).to.equal('web-1');
    expect(defaultNodeName('Rosey.Example.ORG')).to.equal('rosey-example-org');
    expect(defaultNodeName('...')).to.equal('node');
  });
});
