import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/http/cookies.js';
import { FLOW_COOKIE } from '../../src/oidc/flow-cookie.js';
import { CEREMONY_COOKIE } from '../../src/passkeys/ceremony-cookie.js';
import { PasskeyClient } from '../passkeys/passkey-client.js';
import { SoftAuthenticator } from '../passkeys/soft-authenticator.js';
import { seedUsers } from '../support/cli-accounts.js';
import { ADMIN_GROUP, startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';
import { startRedis } from '../support/redis.js';
import { ReplicaClient } from '../support/replica-client.js';
import { injectAcrossReplicas } from '../support/replica-inject.js';
import { REPLICA_SECRET } from '../support/replica-http.js';
import { startReplica, type Replica } from '../support/replica.js';
import { ALICE, BOB, PORTAL } from '../support/user-password.js';

const CALLBACK_URL = `${PORTAL}/api/auth/oidc/callback`;

function cookieValue(res: Response, name: string): string | undefined {
  const line = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  return line?.split(';')[0]!.slice(name.length + 1) || undefined;
}

async function dataDir(config: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gh-ceremonies-'));
  await writeFile(join(dir, 'config.json'), JSON.stringify({ version: 1, domains: ['example.com'], security: { bcryptCost: 12 }, ...config }));
  return dir;
}

/**
 * Ceremonies that span two requests (an OIDC login, a WebAuthn ceremony)
 * behind a load balancer without sticky sessions: started on one replica
 * (its own OS process), finished on another, and single use across both.
 */
describe('ceremonies across replicas', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  const replicas: Replica[] = [];
  let idp: TestOidcProvider | undefined;

  async function pair(prefix: string, seeded: string): Promise<[Replica, Replica]> {
    const env = { GATEHOUSE_REDIS_URL: redis.url, GATEHOUSE_REDIS_PREFIX: prefix, GATEHOUSE_SESSION_SECRET: REPLICA_SECRET, GATEHOUSE_PORTAL_URL: PORTAL };
    const a = await startReplica(env, { dataDir: seeded });
    replicas.push(a);
    const b = await startReplica(env);
    replicas.push(b);
    return [a, b];
  }

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await idp?.close();
    await redis?.close();
  });

  it('an OIDC login started on A finishes on B, and its state is refused a second time on either', async () => {
    idp = await startOidcProvider({ redirectUris: [CALLBACK_URL], postLogoutRedirectUris: [`${PORTAL}/login`] });
    const seeded = await dataDir({ mode: 'oauth2', oauth2: { issuerUrl: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, adminGroupValues: [ADMIN_GROUP] } });
    const [a, b] = await pair('gh-oidc:', seeded);

    const start = await fetch(`${a.url}/api/auth/oidc/start?rd=${encodeURIComponent('https://app.example.com/')}`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const flow = cookieValue(start, FLOW_COOKIE);
    expect(flow).toBeDefined();
    const returned = await idp.login(start.headers.get('location')!, 'alice');
    const callback = (replica: Replica) => fetch(`${replica.url}${returned.pathname}${returned.search}`, { redirect: 'manual', headers: { cookie: `${FLOW_COOKIE}=${flow}` } });

    const finished = await callback(b);
    expect(finished.status).toBe(303);
    const session = cookieValue(finished, SESSION_COOKIE);
    expect(session).toBeDefined();
    expect(await new ReplicaClient(a.url).check({ session: session! })).toBe(200);

    // The same callback (URL and cookie) replayed, on the replica that finished it and on the other one.
    for (const replica of [b, a]) {
      const replayed = await callback(replica);
      expect(replayed.status).toBeGreaterThanOrEqual(400);
      expect(cookieValue(replayed, SESSION_COOKIE)).toBeUndefined();
      expect(await replayed.text()).toMatch(/already used|replay/i);
    }
  });

  it('a passkey registered and a passkey sign-in, each started on one replica and finished on the other; the answer is taken once', async () => {
    const seeded = await dataDir({ mode: 'userPassword' });
    await seedUsers(seeded, [ALICE, BOB]);
    const [a, b] = await pair('gh-passkeys:', seeded);
    let target = a.url;
    const browser = new PasskeyClient(injectAcrossReplicas(() => target));
    const authenticator = new SoftAuthenticator({ origin: PORTAL, rpId: new URL(PORTAL).hostname });

    await browser.passwordLogin(BOB.username, BOB.password);
    const registration = await browser.send('POST', '/api/passkeys/registration/options', { attachment: 'platform' });
    expect(registration.statusCode).toBe(200);
    target = b.url;
    const registered = await browser.send('POST', '/api/passkeys/registration/verify', { response: authenticator.register(registration.json().options) });
    expect(registered.statusCode).toBe(200);

    const signIn = new PasskeyClient(injectAcrossReplicas(() => target));
    target = b.url;
    const options = await signIn.send('POST', '/api/passkeys/sign-in/options', {});
    expect(options.statusCode).toBe(200);
    const ceremony = signIn.cookies.get(CEREMONY_COOKIE)!;
    const answer = authenticator.assert(options.json().options);
    target = a.url;
    const verified = await signIn.send('POST', '/api/passkeys/sign-in/verify', { response: answer });
    expect(verified.statusCode).toBe(200);
    expect(signIn.cookies.get(SESSION_COOKIE)).toBeDefined();

    // The same answer with the same ceremony cookie, to either replica: the challenge is gone.
    for (const replica of [a, b]) {
      target = replica.url;
      const replay = new PasskeyClient(injectAcrossReplicas(() => target));
      replay.cookies.set(CEREMONY_COOKIE, ceremony);
      const again = await replay.send('POST', '/api/passkeys/sign-in/verify', { response: answer });
      expect(again.statusCode).toBe(400);
      expect(replay.cookies.get(SESSION_COOKIE)).toBeUndefined();
    }
  });
});
