import { afterEach, describe, expect, it } from 'vitest';
import { forwardAuthHeaders, type AppFixture } from '../support/app-fixture.js';
import { ALICE, BOB, userPasswordFixture } from '../support/user-password.js';
import { PasskeyClient } from './passkey-client.js';
import { SoftAuthenticator } from './soft-authenticator.js';
import { PASSKEY_ERRORS } from '../../src/passkeys/passkey-errors.js';

const RP_ID = 'auth.example.com';
const ORIGIN = 'https://auth.example.com';
const APP = 'https://app.example.com/dash';

const authenticator = (startCounter = 1) => new SoftAuthenticator({ origin: ORIGIN, rpId: RP_ID, startCounter });

async function flush(): Promise<void> {
  // Store 'change' listeners (session revocation after a factor is removed) run after the write resolves.
  await new Promise((resolve) => setTimeout(resolve, 20));
}

async function auditEvents(fx: AppFixture, prefix: string) {
  return (await fx.accounts.audit.read()).filter((e) => e.event.startsWith(prefix));
}

describe('passkey routes', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  async function aliceWithPasskey(): Promise<{ client: PasskeyClient; auth: SoftAuthenticator }> {
    fx = await userPasswordFixture([ALICE, BOB]);
    const client = new PasskeyClient(fx.app);
    await client.passwordLogin(ALICE.username, ALICE.password);
    const auth = authenticator();
    const res = await client.register(auth);
    expect(res.statusCode, res.body).toBe(200);
    return { client, auth };
  }

  it('register from a password session: listed, audited, counted by admin status, and the session becomes aal2', async () => {
    fx = await userPasswordFixture([ALICE]);
    const client = new PasskeyClient(fx.app);
    await client.passwordLogin(ALICE.username, ALICE.password);
    expect((await client.get('/api/passkeys')).json()).toEqual({ rpId: RP_ID, passkeys: [] });

    const options = await client.send('POST', '/api/passkeys/registration/options', { attachment: 'platform' });
    expect(options.statusCode).toBe(200);
    const cookie = ([] as string[]).concat(options.headers['set-cookie'] ?? []).find((c) => c.startsWith('gatehouse_webauthn='))!;
    expect(cookie).toMatch(/Path=\/api\/passkeys/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Max-Age=300/);
    expect(cookie).not.toMatch(/Domain=/);

    const auth = authenticator();
    const verified = await client.send('POST', '/api/passkeys/registration/verify', { response: auth.register(options.json().options), name: 'Work laptop' });
    expect(verified.statusCode, verified.body).toBe(200);
    expect(verified.json().passkey).toMatchObject({ id: auth.credentialId, name: 'Work laptop', deviceType: 'singleDevice', backedUp: false, attachment: 'platform', lastUsedAt: null });
    expect(verified.json().passkey).not.toHaveProperty('publicKey');

    const listed = (await client.get('/api/passkeys')).json().passkeys;
    expect(listed.map((p: { name: string }) => p.name)).toEqual(['Work laptop']);
    expect((await client.status()).body).toMatchObject({ acr: 'aal2', amr: ['pwd', 'hwk'], mfa: { enrolled: true, methods: ['hwk'] } });

    const admin = await client.get(`/api/admin/users/${ALICE.username}/mfa`);
    expect(admin.statusCode, admin.body).toBe(200);
    expect(admin.json()).toMatchObject({ passkeyCount: 1, passkeyEnrolledAt: new Date(fx.clock.now).toISOString(), methods: ['hwk'] });
    expect(await auditEvents(fx, 'passkey.')).toEqual([expect.objectContaining({ event: 'passkey.create', actor: 'alice', target: 'alice', details: expect.objectContaining({ passkey: 'Work laptop' }) })]);
  });

  it('passwordless sign-in: a new aal2 session with amr hwk that passes the check, landing on rd', async () => {
    const { auth } = await aliceWithPasskey();
    const browser = new PasskeyClient(fx.app);
    const res = await browser.authenticate(auth, { rd: APP });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'signed_in', user: 'alice', acr: 'aal2', amr: ['hwk'], location: APP });
    expect((await browser.status()).body).toMatchObject({ user: 'alice', acr: 'aal2', amr: ['hwk'], stepUp: { allowed: true } });
    const check = await fx.app.inject({ method: 'GET', url: '/api/authz/forward-auth', remoteAddress: '127.0.0.1', headers: { ...forwardAuthHeaders(APP), cookie: browser.cookieHeader() } });
    expect(check.statusCode).toBe(200);
    expect(check.headers['remote-user']).toBe('alice');
    const used = (await browser.get('/api/passkeys')).json().passkeys[0];
    expect(used.lastUsedAt).toBe(new Date(fx.clock.now).toISOString());
    expect((await auditEvents(fx, 'passkey.use')).at(-1)).toMatchObject({ actor: 'alice', outcome: 'success', details: { purpose: 'sign_in', amr: 'hwk' } });
    expect((await auditEvents(fx, 'login.success')).at(-1)).toMatchObject({ actor: 'alice', details: { method: 'passkey' } });
  });

  it('an unsafe rd lands on the portal instead', async () => {
    const { auth } = await aliceWithPasskey();
    const res = await new PasskeyClient(fx.app).authenticate(auth, { rd: 'https://evil.test/' });
    expect(res.json().location).toBe(`${ORIGIN}/`);
  });

  it('password then passkey as the second factor: partial session → aal2 with amr pwd + hwk', async () => {
    const { auth } = await aliceWithPasskey();
    const browser = new PasskeyClient(fx.app);
    const login = await browser.passwordLogin(ALICE.username, ALICE.password);
    expect(login.json()).toMatchObject({ status: 'second_factor_required' });
    expect((await browser.get('/api/passkeys/second-factor')).json()).toEqual({ available: true });
    const page = await fx.app.inject({ method: 'GET', url: '/login/2fa', remoteAddress: '127.0.0.1', headers: { cookie: browser.cookieHeader() } });
    expect(page.body).toContain('id="passkey-second-factor"');
    const res = await browser.authenticate(auth, { secondFactor: true, rd: APP });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'signed_in', location: APP });
    expect((await browser.status()).body).toMatchObject({ acr: 'aal2', amr: ['pwd', 'hwk'] });
  });

  it('no passkey yet: the second-factor button is not offered and its options say so', async () => {
    fx = await userPasswordFixture([ALICE]);
    const browser = new PasskeyClient(fx.app);
    await browser.passwordLogin(ALICE.username, ALICE.password);
    expect((await browser.get('/api/passkeys/second-factor')).json()).toEqual({ available: false });
    const res = await browser.send('POST', '/api/passkeys/second-factor/options', {});
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ error: 'no_passkey', message: PASSKEY_ERRORS.no_passkey });
  });

  it('rename: own passkeys only, names validated and audited', async () => {
    const { client, auth } = await aliceWithPasskey();
    const renamed = await client.send('PATCH', `/api/passkeys/${auth.credentialId}`, { name: '  YubiKey 5  ' });
    expect(renamed.json().passkey.name).toBe('YubiKey 5');
    expect((await client.send('PATCH', `/api/passkeys/${auth.credentialId}`, { name: '' })).json().error).toBe('invalid_name');
    expect((await client.send('PATCH', `/api/passkeys/${auth.credentialId}`, { name: 'a\u0000b' })).json().error).toBe('invalid_name');
    expect((await client.send('PATCH', `/api/passkeys/${auth.credentialId}`, { name: 'x'.repeat(65) })).json().error).toBe('invalid_name');
    const bob = new PasskeyClient(fx.app);
    await bob.passwordLogin(BOB.username, BOB.password);
    const foreign = await bob.send('PATCH', `/api/passkeys/${auth.credentialId}`, { name: 'mine now' });
    expect(foreign.statusCode).toBe(404);
    expect((await auditEvents(fx, 'passkey.rename')).map((e) => e.details)).toEqual([expect.objectContaining({ to: 'YubiKey 5' })]);
  });

  it('delete needs a recent second factor; deleting the last one ends the sessions; signing in with it then says "removed"', async () => {
    const { client, auth } = await aliceWithPasskey();
    fx.clock.now += 11 * 60_000;
    const refused = await client.send('DELETE', `/api/passkeys/${auth.credentialId}`);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: 'step_up_required', location: `/login/2fa?rd=${encodeURIComponent(`${ORIGIN}/profile`)}` });

    // Step-up with the passkey itself (the /login/2fa button with a full session).
    expect((await client.authenticate(auth, { secondFactor: true })).statusCode).toBe(200);
    const deleted = await client.send('DELETE', `/api/passkeys/${auth.credentialId}`);
    expect(deleted.statusCode, deleted.body).toBe(200);
    expect(deleted.json()).toEqual({ ok: true, signedOut: true });
    await flush();
    expect((await client.status()).statusCode).toBe(401);

    const again = await new PasskeyClient(fx.app).authenticate(auth);
    expect(again.statusCode).toBe(401);
    expect(again.json()).toEqual({ error: 'passkey_removed', message: PASSKEY_ERRORS.passkey_removed });
    expect((await auditEvents(fx, 'passkey.delete'))).toHaveLength(1);
    expect((await auditEvents(fx, 'passkey.failure')).at(-1)).toMatchObject({ outcome: 'failure', details: { purpose: 'sign_in', code: 'passkey_removed' } });
  });

  it('adding a second passkey needs a recent second factor too', async () => {
    const { client } = await aliceWithPasskey();
    fx.clock.now += 11 * 60_000;
    const refused = await client.send('POST', '/api/passkeys/registration/options', { attachment: 'cross-platform' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toBe('step_up_required');
  });

  it('a security key (cross-platform) is asked for as such and named so', async () => {
    fx = await userPasswordFixture([ALICE]);
    const client = new PasskeyClient(fx.app);
    await client.passwordLogin(ALICE.username, ALICE.password);
    const options = await client.send('POST', '/api/passkeys/registration/options', { attachment: 'cross-platform' });
    expect(options.json().options).toMatchObject({ authenticatorSelection: { authenticatorAttachment: 'cross-platform' }, hints: ['security-key'] });
    const auth = authenticator();
    const answer = { ...auth.register(options.json().options), authenticatorAttachment: 'cross-platform' };
    const verified = await client.send('POST', '/api/passkeys/registration/verify', { response: answer });
    expect(verified.json().passkey).toMatchObject({ name: 'Security key', attachment: 'cross-platform' });
  });

  it('admin 2FA reset and user deletion remove the passkeys', async () => {
    const { auth } = await aliceWithPasskey();
    const bob = new PasskeyClient(fx.app);
    await bob.passwordLogin(BOB.username, BOB.password);
    const bobKey = authenticator();
    expect((await bob.register(bobKey)).statusCode).toBe(200);

    await fx.accounts.mfa.reset(fx.accounts.users.find('alice')!, { actor: 'admin' });
    expect(fx.accounts.passkeys.find(auth.credentialId)).toBeUndefined();
    expect((await new PasskeyClient(fx.app).authenticate(auth)).json().error).toBe('passkey_removed');

    await fx.accounts.users.remove('bob', { name: 'admin' });
    await flush();
    expect(fx.accounts.passkeys.find(bobKey.credentialId)).toBeUndefined();
  });

  it('a disabled user’s passkey does not sign in', async () => {
    fx = await userPasswordFixture([ALICE, BOB]);
    const bob = new PasskeyClient(fx.app);
    await bob.passwordLogin(BOB.username, BOB.password);
    const auth = authenticator();
    expect((await bob.register(auth)).statusCode).toBe(200);
    await fx.accounts.users.setDisabled('bob', true, { name: 'alice' });
    const res = await new PasskeyClient(fx.app).authenticate(auth);
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toBe('account_disabled');
  });

  it('a page opened at another origin gets a message naming the portal', async () => {
    fx = await userPasswordFixture([ALICE]);
    const res = await new PasskeyClient(fx.app, 'http://127.0.0.1:9092').send('POST', '/api/passkeys/sign-in/options', {});
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: 'origin_mismatch',
      message: `Passkeys for this Gatehouse work at ${ORIGIN} (RP ID ${RP_ID}), but this page was opened at http://127.0.0.1:9092. Open ${ORIGIN}/login instead.`,
      portal: ORIGIN,
      rpId: RP_ID,
    });
  });

  it('writes without the page’s CSRF token, or not as JSON, are refused', async () => {
    fx = await userPasswordFixture([ALICE]);
    const client = new PasskeyClient(fx.app);
    expect((await client.send('POST', '/api/passkeys/sign-in/options', {}, { 'x-csrf-token': 'forged' })).statusCode).toBe(403);
    expect((await client.send('POST', '/api/passkeys/sign-in/options', {}, { 'content-type': 'text/plain' })).statusCode).toBe(415);
    expect((await client.send('POST', '/api/passkeys/sign-in/options', {})).statusCode).toBe(200);
  });

  it('registration and management need a full local session', async () => {
    fx = await userPasswordFixture([ALICE]);
    const anonymous = new PasskeyClient(fx.app);
    expect((await anonymous.get('/api/passkeys')).statusCode).toBe(401);
    expect((await anonymous.send('POST', '/api/passkeys/registration/options', {})).json().error).toBe('session_required');
    expect((await anonymous.get('/api/passkeys/second-factor')).statusCode).toBe(401);
  });

  it('sign-in is for userPassword mode only', async () => {
    const { auth } = await aliceWithPasskey();
    await fx.store.update((doc) => ({ ...doc, mode: 'open' }));
    const res = await new PasskeyClient(fx.app).authenticate(auth);
    expect(res.json().error).toBe('unsupported_mode');
  });

  it('serves the browser library and the page script from Gatehouse itself; the pages load them', async () => {
    fx = await userPasswordFixture([ALICE]);
    const lib = await fx.app.inject({ method: 'GET', url: '/assets/simplewebauthn-browser.js' });
    expect(lib.statusCode).toBe(200);
    expect(lib.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(lib.body).toContain('SimpleWebAuthnBrowser');
    const script = await fx.app.inject({ method: 'GET', url: '/assets/passkeys.js' });
    expect(script.statusCode).toBe(200);
    const login = await fx.app.inject({ method: 'GET', url: '/login' });
    expect(login.body).toContain('autocomplete="username webauthn"');
    expect(login.body).toContain('>Sign in with a passkey</button>');
    expect(login.body).toContain('<script src="/assets/simplewebauthn-browser.js" defer></script>');
    expect(login.body).not.toMatch(/<script>(?!<\/script>)/);
    expect(login.headers['content-security-policy']).toMatch(/^default-src 'self';/);
  });
});
