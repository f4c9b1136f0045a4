import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { KeyRejectedError } from '../../src/errors.ts';
import { createLogger, registerSecret, registerUrlSecret, scrubSecrets } from '../../src/logger.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'trace', destination }) };
}

describe('logger redaction', () => {
  const token = 'tok_5f2b9c1e7a4d4e0b9f3c2a1d8e7f6a5b';
  registerSecret(token);

  it('never writes the token, wherever it appears', () => {
    const { lines, logger } = capture();
    logger.info({ headers: { Authorization: `APIToken ${token}`, 'X-Request-Id': 'r1' } }, 'request');
    logger.info({ request: { headers: { authorization: `APIToken ${token}` } } }, 'nested request');
    logger.info({ url: `https://app.betterworks.com/api/v1/users/?token=${token}` }, 'url');
    logger.info({ deep: { a: { b: { c: { d: [`prefix ${token} suffix`] } } } } }, 'deep');
    const cause = new Error(`socket closed while sending APIToken ${token}`);
    logger.error({ err: new Error(`request failed for ${token}`, { cause }) }, 'failure');
    logger.warn(`message with ${encodeURIComponent(`${token}/`)}`);
    const output = lines.join('');
    expect(lines).toHaveLength(6);
    expect(output).not.toContain(token);
    expect(output).toContain('[REDACTED]');
    expect(output).toContain('r1');
  });

  it('keeps API error messages free of the token and scrubs database passwords', () => {
    const error = new KeyRejectedError({ method: 'GET', path: '/users/', status: 401, requestId: 'abc' });
    expect(error.message).toMatchInlineSnapshot(
      `"Betterworks rejected the API key: GET /users/ → 401 (X-Request-Id abc). The API key was rejected: it may have been revoked, or its user deactivated. A Super Admin can generate a new key in Betterworks under Admin → Platform Configuration → Betterworks API; then set BETTERWORKS_API_TOKEN (or BETTERWORKS_API_TOKEN_FILE) and run \`bwsync probe\`."`,
    );
    registerUrlSecret('postgres://etl:s3cr%40t-pass@db:5432/warehouse');
    expect(scrubSecrets('connect failed for etl:s3cr@t-pass and s3cr%40t-pass')).toBe(
      'connect failed for etl:[REDACTED] and [REDACTED]',
    );
  });
});
