import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityHeaders } from '../../src/authz/respond.js';
import { sanitizeHeaderValue } from '../../src/http/headers.js';
import type { Principal } from '../../strategies/types.js';
import { createAppFixture, type AppFixture } from '../support/app-fixture.js';
import { check, ENDPOINTS, sessionCookie, TOKEN_MODE } from '../support/portal.js';

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

const EVIL: Principal = {
  id: 'eve',
  username: 'eve\r\nRemote-User: admin',
  role: 'viewer',
  groups: ['staff\nadmin', 'ops,admins', 'grüppe', '\r\n', 'plain'],
  email: 'eve@example.com\r\nSet-Cookie: gatehouse_session=x',
  name: 'Ève\u2028Évil\u0000\u007f\u0085 Name',
  amr: ['pwd'],
  acr: 'aal2',
};

/** Attack: an identity field (from an IdP claim or a user name) carrying CR/LF to add or split headers upstream. */
describe('header injection through identity headers', () => {
  it('no Remote-* value ever holds CR, LF, NUL or non-ASCII', () => {
    const headers = identityHeaders(EVIL);
    for (const [name, value] of Object.entries(headers)) {
      expect(value, name).toMatch(PRINTABLE_ASCII);
      expect(value, name).not.toMatch(/[\r\n]/);
    }
  });

  it('strips the dangerous characters and keeps the rest readable', () => {
    const headers = identityHeaders(EVIL);
    expect(headers['remote-user']).toBe('eveRemote-User: admin');
    expect(headers['remote-email']).toBe('eve@example.comSet-Cookie: gatehouse_session=x');
    expect(headers['remote-name']).toBe('vevil Name');
  });

  it('never lets a group name split into two groups', () => {
    const groups = identityHeaders(EVIL)['remote-groups']!.split(',');
    expect(groups).toEqual(['staffadmin', 'grppe', 'plain']);
    expect(groups).not.toContain('admins');
  });

  it('omits headers whose value is empty after sanitizing', () => {
    const headers = identityHeaders({ ...EVIL, username: 'x', email: '\r\n', name: undefined, groups: ['\n'] });
    expect(Object.keys(headers)).toEqual(['remote-user']);
  });

  it('sanitizeHeaderValue caps the length', () => {
    expect(sanitizeHeaderValue('a'.repeat(5000))).toHaveLength(1024);
    expect(sanitizeHeaderValue('a\u00e9\u{1F600}b\tc')).toBe('abc');
  });

  describe('through the check endpoints', () => {
    let fx: AppFixture;
    let cookie: string;
    beforeAll(async () => {
      fx = await createAppFixture(TOKEN_MODE);
      const { cookieValue } = await fx.sessions.create({ mode: 'token', principal: EVIL, amr: ['pwd'], acr: 'aal2', mfaAt: null, ip: '203.0.113.7', userAgent: 'x' });
      cookie = sessionCookie(cookieValue);
    });
    afterAll(() => fx.close());

    it.each(ENDPOINTS)('%s answers 200 with clean, single-line identity headers', async (endpoint) => {
      const res = await check(fx.app, endpoint, 'https://app.example.com/', { cookie });
      expect(res.statusCode).toBe(200);
      expect(res.headers['remote-user']).toBe('eveRemote-User: admin');
      expect(res.headers['set-cookie']).toBeUndefined();
      for (const name of ['remote-user', 'remote-groups', 'remote-email', 'remote-name']) expect(String(res.headers[name]), name).toMatch(PRINTABLE_ASCII);
    });
  });
});
