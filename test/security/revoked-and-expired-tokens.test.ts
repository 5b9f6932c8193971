import { afterEach, describe, expect, it } from 'vitest';
import { TokenError } from '../../src/tokens/token-service.js';
import type { AppFixture } from '../support/app-fixture.js';
import { userNamed } from '../support/mfa.js';
import { ALICE, api, BOB, checkAs, readAuditFile, signIn, userPasswordFixture, VICTOR } from '../support/user-password.js';

const bearer = (token: string) => `Bearer ${token}`;

/** Creates a token through POST /api/auth/tokens as the signed-in `session`. */
async function createToken(fx: AppFixture, session: string, body: Record<string, unknown>): Promise<{ token: string; id: string }> {
  const res = await api(fx.app, 'POST', '/api/auth/tokens', session, { name: 'ci', ...body });
  if (res.statusCode !== 201) throw new Error(`token creation answered ${res.statusCode}: ${res.body}`);
  const json = res.json() as { token: string; id: string };
  return { token: json.token, id: json.id };
}

/**
 * Attack: keep using an API token after it was revoked, after it expired,
 * after its owner was disabled or demoted, on a host it was not issued for,
 * or mint one above the owner's role.
 */
describe('revoked, expired and out-of-scope API tokens', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('a token works at the check as its owner with its (lower) role; revoked it is 401', async () => {
    fx = await userPasswordFixture([ALICE]);
    const session = await signIn(fx.app, ALICE);
    const { token, id } = await createToken(fx, session, { role: 'viewer' });
    expect(token).toMatch(/^gh_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    // Stored hashed: the secret part is nowhere in the store.
    expect(JSON.stringify(fx.accounts.tokensStore.current)).not.toContain(token.slice('gh_'.length + 17));

    const ok = await checkAs(fx.app, { authorization: bearer(token) });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['remote-user']).toBe('alice');
    expect(ok.headers['remote-groups']).toBe('viewer');
    // A viewer token is read-only, whatever its admin owner could do.
    expect((await checkAs(fx.app, { authorization: bearer(token), method: 'POST' })).statusCode).toBe(403);
    expect((await api(fx.app, 'GET', '/api/auth/tokens', session)).json()).toMatchObject({ tokens: [{ id, role: 'viewer', user: 'alice' }] });

    expect((await api(fx.app, 'DELETE', `/api/auth/tokens/${id}`, session)).statusCode).toBe(200);
    const revoked = await checkAs(fx.app, { authorization: bearer(token) });
    expect(revoked.statusCode).toBe(401);
    expect(revoked.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(revoked.headers['remote-user']).toBeUndefined();
    const { events } = await readAuditFile(fx.dataDir);
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['token.create', 'token.revoke']));
    expect(JSON.stringify(events)).not.toContain(token);
  });

  it('an expired token is 401 (clock advanced past its expiry)', async () => {
    fx = await userPasswordFixture([ALICE]);
    const { token } = await createToken(fx, await signIn(fx.app, ALICE), { expires: '1h' });
    fx.clock.now += 60 * 60_000 - 1_000;
    expect((await checkAs(fx.app, { authorization: bearer(token) })).statusCode).toBe(200);
    fx.clock.now += 1_000;
    expect((await checkAs(fx.app, { authorization: bearer(token) })).statusCode).toBe(401);
  });

  it('a disabled owner\'s token is 401, and works again only when the owner is enabled', async () => {
    fx = await userPasswordFixture([ALICE, BOB]);
    const { token } = await createToken(fx, await signIn(fx.app, BOB), {});
    expect((await checkAs(fx.app, { authorization: bearer(token) })).headers['remote-user']).toBe('bob');
    await fx.accounts.users.setDisabled('bob', true, { name: 'alice' });
    expect((await checkAs(fx.app, { authorization: bearer(token) })).statusCode).toBe(401);
    await fx.accounts.users.setDisabled('bob', false, { name: 'alice' });
    expect((await checkAs(fx.app, { authorization: bearer(token) })).statusCode).toBe(200);
  });

  it('a role above the owner\'s is refused at creation; a demoted owner drags the token down', async () => {
    fx = await userPasswordFixture([ALICE, BOB, VICTOR]);
    const bobSession = await signIn(fx.app, BOB);
    const tooHigh = await api(fx.app, 'POST', '/api/auth/tokens', bobSession, { name: 'ci', role: 'admin' });
    expect(tooHigh.statusCode).toBe(400);
    expect(tooHigh.json()).toMatchObject({ error: 'role_too_high' });
    await expect(fx.accounts.tokens.create(userNamed(fx, 'victor'), { name: 'x', role: 'editor' }, { name: 'test' })).rejects.toBeInstanceOf(TokenError);
    expect(fx.accounts.tokens.list()).toEqual([]);

    const { token } = await createToken(fx, bobSession, { role: 'editor' });
    expect((await checkAs(fx.app, { authorization: bearer(token), method: 'POST' })).statusCode).toBe(200);
    await fx.accounts.users.setRole('bob', 'viewer', { name: 'alice' });
    const after = await checkAs(fx.app, { authorization: bearer(token), method: 'POST' });
    expect(after.statusCode).toBe(403);
    expect((await checkAs(fx.app, { authorization: bearer(token) })).headers['remote-groups']).toBe('viewer');
  });

  it('a domain-restricted token is refused on another host', async () => {
    fx = await userPasswordFixture([ALICE]);
    const { token } = await createToken(fx, await signIn(fx.app, ALICE), { domains: ['app.example.com'] });
    expect((await checkAs(fx.app, { authorization: bearer(token), url: 'https://app.example.com/dash' })).statusCode).toBe(200);
    const other = await checkAs(fx.app, { authorization: bearer(token), url: 'https://grafana.example.com/' });
    expect(other.statusCode).toBe(401);
    expect(other.headers['remote-user']).toBeUndefined();
    // Not on a look-alike host either.
    expect((await checkAs(fx.app, { authorization: bearer(token), url: 'https://evilapp.example.com/' })).statusCode).toBe(401);
  });

  it('a token that was never issued, or with a tampered secret, is 401', async () => {
    fx = await userPasswordFixture([ALICE]);
    const { token } = await createToken(fx, await signIn(fx.app, ALICE), {});
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    expect((await checkAs(fx.app, { authorization: bearer(`${token.slice(0, -1)}${last}`) })).statusCode).toBe(401);
    expect((await checkAs(fx.app, { authorization: bearer(`gh_0123456789abcdef_${'x'.repeat(43)}`) })).statusCode).toBe(401);
  });
});
