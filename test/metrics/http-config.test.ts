import { expect } from 'chai';
import { parseConfig } from '../../app/config/load.js';
import { DEFAULT_HTTP_PORT } from '../../app/config/schema.js';

describe('config: metrics and http', () => {
  it('defaults: sampling every 5 s over an hour; the endpoint off, on 127.0.0.1 when on', () => {
    const config = parseConfig({});
    expect(config.metrics).to.deep.equal({ intervalMs: 5000, windowMs: 3_600_000 });
    expect(config.http).to.deep.equal({
      enabled: false,
      host: '127.0.0.1',
      port: DEFAULT_HTTP_PORT,
      dashboard: true,
    });
  });

  it('refuses a non-loopback host without a token, in one line naming http.token', () => {
    for (const host of ['0.0.0.0', '192.168.1.10', '::'])
      expect(() => parseConfig({ http: { enabled: true, host } }, 'rosey.yaml'))
        .to.throw(`rosey.yaml: http.token: http.host ${host} is reachable from other machines`)
        .with.property('message')
        .that.does.not.include('\n');
  });

  it('takes a non-loopback host with a token, and any loopback host without one', () => {
    const token = 'sixteen-chars-at-least';
    expect(parseConfig({ http: { enabled: true, host: '0.0.0.0', token } }).http.token).to.equal(token);
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1'])
      expect(parseConfig({ http: { enabled: true, host } }).http.host).to.equal(host);
    // Off, the host does not matter: nothing listens.
    expect(parseConfig({ http: { host: '0.0.0.0' } }).http.enabled).to.equal(false);
  });

  it('refuses a short token', () => {
    expect(() => parseConfig({ http: { token: 'short' } })).to.throw(/http\.token: at least 16 characters/);
  });
});
