import { afterEach, describe, expect, it } from 'vitest';
import { checkWithSession, loginAs, oidcTestbed, setsNoSession, type OidcTestbed } from '../support/oidc-flow.js';

describe('oauth2 fallbackRole: users in no mapped group', () => {
  let bed: OidcTestbed | undefined;
  afterEach(async () => {
    await bed?.close();
    bed = undefined;
  });

  it('viewer (the default): signed in as viewer, groups passed on after the role', async () => {
    bed = await oidcTestbed();
    const { res, session } = await loginAs(bed, 'vic');
    expect(res.statusCode).toBe(303);
    const checked = await checkWithSession(bed.app, session!);
    expect(checked.statusCode).toBe(200);
    expect(checked.headers['remote-user']).toBe('vic');
    expect(checked.headers['remote-groups']).toBe('viewer,guests');
  });

  it('deny: refused with a clear page, no session, and mapped users still get in', async () => {
    bed = await oidcTestbed({ oauth2: { fallbackRole: 'deny' } });
    const { res } = await loginAs(bed, 'vic');
    expect(setsNoSession(res)).toBe(true);
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('not in a group that may use this site');
    expect(bed.logs().some((l) => /no group in claim groups \(\["guests"\]\) maps to a role and fallbackRole is deny/.test(l.msg))).toBe(true);
    const audit = await bed.fx.accounts.audit.read();
    expect(audit.at(-1)).toMatchObject({ event: 'login.failure', details: { method: 'oidc', reason: 'no_matching_group' } });

    const editor = await loginAs(bed, 'erin');
    expect((await checkWithSession(bed.app, editor.session!)).headers['remote-groups']).toMatch(/^editor,/);
  });

  it('editor as fallback', async () => {
    bed = await oidcTestbed({ oauth2: { fallbackRole: 'editor' } });
    const { session } = await loginAs(bed, 'vic');
    expect((await checkWithSession(bed.app, session!)).headers['remote-groups']).toBe('editor,guests');
  });
});
