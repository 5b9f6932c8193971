import { hkdfSync } from 'node:crypto';
import { CompactEncrypt, compactDecrypt } from 'jose';
import { describe, expect, it } from 'vitest';
import { FlowCookieSealer, FLOW_LIFETIME_SECONDS } from '../../src/oidc/flow-cookie.js';
import { MemoryOneTimeStore } from '../../src/backend/one-time-store.js';
import { UsedStates } from '../../src/oidc/used-states.js';

const SECRET = 'flow-cookie-test-secret-0123456789abcdef';
const PROVIDER = { issuerUrl: 'https://idp.example.com', clientId: 'gatehouse' };
const FLOW = { state: '1.state-value-abcdefgh', nonce: 'nonce-value-ijklmnop', codeVerifier: 'verifier-qrstuvwxyz-'.repeat(2), redirectUri: 'https://auth.example.com/api/auth/oidc/callback', rd: 'https://app.example.com/', purpose: 'login' as const, ...PROVIDER };

describe('the OIDC flow cookie', () => {
  it('round-trips a flow and expires after ten minutes', async () => {
    const clock = { now: 1_800_000_000_000 };
    const sealer = new FlowCookieSealer(SECRET, () => clock.now);
    const { value, flow } = await sealer.seal(FLOW);
    expect(flow.expiresAt).toBe(clock.now / 1000 + FLOW_LIFETIME_SECONDS);
    expect(await sealer.open(value, PROVIDER)).toEqual({ ok: true, flow });
    clock.now += FLOW_LIFETIME_SECONDS * 1000;
    expect(await sealer.open(value, PROVIDER)).toEqual({ ok: false, reason: 'expired' });
  });

  it('is encrypted: nothing of the flow is readable in the cookie', async () => {
    const { value } = await new FlowCookieSealer(SECRET, Date.now).seal(FLOW);
    const decoded = value.split('.').map((p) => Buffer.from(p, 'base64url').toString('latin1')).join('');
    for (const secret of [FLOW.state, FLOW.nonce, FLOW.codeVerifier, 'app.example.com']) expect(decoded).not.toContain(secret);
  });

  it('refuses a flipped bit, another secret, another provider and garbage', async () => {
    const sealer = new FlowCookieSealer(SECRET, Date.now);
    const { value } = await sealer.seal(FLOW);
    const flipped = `${value.slice(0, -6)}${value.slice(-6, -5) === 'A' ? 'B' : 'A'}${value.slice(-5)}`;
    expect(await sealer.open(flipped, PROVIDER)).toEqual({ ok: false, reason: 'malformed' });
    expect(await new FlowCookieSealer(`${SECRET}x`, Date.now).open(value, PROVIDER)).toEqual({ ok: false, reason: 'malformed' });
    expect(await sealer.open(value, { ...PROVIDER, issuerUrl: 'https://other.example.com' })).toEqual({ ok: false, reason: 'other_provider' });
    expect(await sealer.open(value, { ...PROVIDER, clientId: 'other' })).toEqual({ ok: false, reason: 'other_provider' });
    expect(await sealer.open('not-a-jwe', PROVIDER)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('never uses the raw secret as a key, and is signed inside the encryption', async () => {
    const { value } = await new FlowCookieSealer(SECRET, Date.now).seal(FLOW);
    const raw = new Uint8Array(Buffer.from(SECRET.padEnd(32, '\0').slice(0, 32)));
    await expect(compactDecrypt(value, raw)).rejects.toThrow();
    const encKey = new Uint8Array(hkdfSync('sha256', Buffer.from(SECRET), 'gatehouse', 'gatehouse oidc flow cookie: encryption', 32));
    const inner = new TextDecoder().decode((await compactDecrypt(value, encKey)).plaintext);
    expect(inner.split('.')).toHaveLength(3);
    // A JWE with the right encryption key but an unsigned (or self-signed) payload is refused.
    const forged = await new CompactEncrypt(new TextEncoder().encode(`${inner.split('.').slice(0, 2).join('.')}.AAAA`)).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: 'JWT' }).encrypt(encKey);
    expect(await new FlowCookieSealer(SECRET, Date.now).open(forged, PROVIDER)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('used states', () => {
  const flow = (state: string) => ({ state, nonce: `nonce of ${state}` });

  it('a state is accepted once while its flow lives, and the memory is bounded', async () => {
    const clock = { now: 0 };
    const memory = new MemoryOneTimeStore(() => clock.now, 6);
    const used = new UsedStates(memory);
    expect(await used.consume(flow('a'), 1_000)).toBe(true);
    expect(await used.consume(flow('a'), 1_000)).toBe(false);
    clock.now = 1_000;
    expect(await used.consume(flow('a'), 2_000)).toBe(true);
    for (const s of ['b', 'c', 'd', 'e']) await used.consume(flow(s), 5_000);
    expect(memory.size).toBeLessThanOrEqual(6);
  });

  it('a nonce is accepted once too, whatever state comes with it', async () => {
    const used = new UsedStates(new MemoryOneTimeStore(() => 0));
    expect(await used.consume({ state: 'one', nonce: 'n' }, 1_000)).toBe(true);
    expect(await used.consume({ state: 'two', nonce: 'n' }, 1_000)).toBe(false);
  });
});
