import { describe, expect, it } from 'vitest';
import { presentedCredentials } from '../../src/http/credentials.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

describe('presentedCredentials', () => {
  it('reads a bearer token, trimming surrounding space, case-insensitive scheme', () => {
    expect(presentedCredentials('Bearer abc.def', undefined)).toEqual({ kind: 'bearer', token: 'abc.def' });
    expect(presentedCredentials('bearer   abc  ', undefined)).toEqual({ kind: 'bearer', token: 'abc' });
    expect(presentedCredentials('BEARER abc', undefined)).toEqual({ kind: 'bearer', token: 'abc' });
  });

  it('an empty bearer is malformed with a bearer challenge', () => {
    expect(presentedCredentials('Bearer', undefined)).toEqual({ kind: 'malformed', code: 'malformed_bearer', challenge: 'bearer' });
    expect(presentedCredentials('Bearer    ', undefined)).toMatchObject({ kind: 'malformed', challenge: 'bearer' });
  });

  it('decodes Basic, splitting at the first colon and keeping UTF-8', () => {
    expect(presentedCredentials(`Basic ${b64('alice:pa:ss')}`, undefined)).toEqual({ kind: 'basic', username: 'alice', password: 'pa:ss' });
    expect(presentedCredentials(`Basic ${b64(':tok')}`, undefined)).toEqual({ kind: 'basic', username: '', password: 'tok' });
    expect(presentedCredentials(`basic ${b64('jürgen:pässword')}`, undefined)).toEqual({ kind: 'basic', username: 'jürgen', password: 'pässword' });
  });

  it('malformed Basic gets a basic challenge', () => {
    for (const value of ['Basic', 'Basic ', 'Basic %%%', `Basic ${b64('nocolon')}`, 'Basic YWxpY2U6cGFzcw==extra']) {
      expect(presentedCredentials(value, undefined), value).toMatchObject({ kind: 'malformed', challenge: 'basic' });
    }
  });

  it('an unknown scheme is malformed without a challenge', () => {
    expect(presentedCredentials('Digest x', undefined)).toEqual({ kind: 'malformed', code: 'unsupported_authorization_scheme' });
    expect(presentedCredentials('', 'gatehouse_session=a.b')).toEqual({ kind: 'malformed', code: 'unsupported_authorization_scheme' });
  });

  it('an Authorization header wins over the cookie: no fallback', () => {
    expect(presentedCredentials('Bearer x', 'gatehouse_session=a.b')).toEqual({ kind: 'bearer', token: 'x' });
    expect(presentedCredentials('Basic !!', 'gatehouse_session=a.b').kind).toBe('malformed');
  });

  it('reads the session cookie when there is no Authorization', () => {
    expect(presentedCredentials(undefined, 'a=1; gatehouse_session=id.secret; b=2')).toEqual({ kind: 'cookie', value: 'id.secret' });
    expect(presentedCredentials(undefined, 'a=1')).toEqual({ kind: 'none' });
    expect(presentedCredentials(undefined, undefined)).toEqual({ kind: 'none' });
  });

  it('two session cookies are ambiguous', () => {
    expect(presentedCredentials(undefined, 'gatehouse_session=a.b; gatehouse_session=c.d')).toEqual({ kind: 'malformed', code: 'ambiguous_session_cookie' });
  });
});
