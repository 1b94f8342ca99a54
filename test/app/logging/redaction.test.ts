import { expect } from 'chai';
import { redactFieldText, redactText } from '../../../app/logging/redaction.js';

describe('log redaction: secrets inside text', () => {
  const secret = (text: string, hidden: string) => {
    const out = redactText(text);
    expect(out, out).to.not.include(hidden);
    expect(out).to.include('[Redacted]');
    return out;
  };

  it('hides the password of a URL and keeps its user, host and path', () => {
    expect(secret('cannot connect to postgres://rosey:hunter2@db.local:5432/rosey', 'hunter2')).to.equal(
      'cannot connect to postgres://rosey:[Redacted]@db.local:5432/rosey',
    );
    secret('nats://rosey:s3cr%40t@127.0.0.1:4222 refused', 's3cr');
  });

  it('hides a token given as the only credential of a URL (NATS)', () => {
    expect(secret('lost nats://tok3n-abc@10.0.0.1:4222', 'tok3n-abc')).to.equal(
      'lost nats://[Redacted]@10.0.0.1:4222',
    );
  });

  it('hides key=value and key: value secrets, quoted or not, whatever the case of the key', () => {
    secret('login with password=hunter2 failed', 'hunter2');
    secret('PASSWORD: "hunter 2"', 'hunter 2');
    secret("natsToken='abc123'", 'abc123');
    secret('config {"channelPassword":"letmein","x":1}', 'letmein');
    secret('api_key=AKIA123&next=1', 'AKIA123');
    secret('client_secret: xyz789', 'xyz789');
  });

  it('hides bearer tokens, NATS nkey seeds and JWTs (a NATS credentials file)', () => {
    secret('Authorization: Bearer abc.def-ghi', 'abc.def-ghi');
    const seed = 'SUAIBDPBAUTWCWBKIO6XHQNINK5FWJW4OHLXC3HQ2KFE4PEJUA44CNHTC4';
    expect(seed).to.have.length(58);
    secret(`seed ${seed} loaded`, seed);
    const jwt = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJYIn0.c2lnbmF0dXJl';
    secret(`user jwt ${jwt}`, jwt);
  });

  it('leaves ordinary text alone', () => {
    for (const text of [
      'nats-server ready on 127.0.0.1:41829',
      'connected to nats://127.0.0.1:4222',
      'see https://github.com/rosey/rosey/issues/26',
      'wrong password for alice',
      '3 tokens left, cooldown 5s',
      'user@example.com said hi',
      'SUAIBDPBAUTW is too short to be a seed',
    ])
      expect(redactText(text)).to.equal(text);
  });

  it('censors string fields and returns the same object when nothing is secret', () => {
    const fields = { user: 'alice', count: 3 };
    expect(redactFieldText(fields)).to.equal(fields);
    expect(redactFieldText({ url: 'postgres://u:pw@h/db', n: 1 })).to.deep.equal({
      url: 'postgres://u:[Redacted]@h/db',
      n: 1,
    });
  });
});
