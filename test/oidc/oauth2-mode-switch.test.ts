import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../config/schema.js';
import { oauth2SwitchProblems } from '../../src/mode-switch.js';
import { freePort } from '../support/free-port.js';
import { startOidcProvider } from '../support/oidc-provider.js';

const config = (issuerUrl: string) => ConfigSchema.parse({ version: 1, mode: 'oauth2', domains: ['example.com'], oauth2: { issuerUrl, clientId: 'gatehouse' } });

/** A switch to oauth2 needs a provider that answers now (DESIGN: no lock-out by an untried provider). */
describe('switching to oauth2 mode', () => {
  it('is refused while discovery fails, with the reason', async () => {
    const problems = await oauth2SwitchProblems(config(`http://127.0.0.1:${await freePort()}`));
    expect(problems).toEqual([expect.stringMatching(/^oauth2 mode needs a provider that answers discovery first: cannot connect to http:\/\/127\.0\.0\.1:\d+\/\.well-known\/openid-configuration: ECONNREFUSED/)]);
  });

  it('is allowed once the provider answers', async () => {
    const idp = await startOidcProvider({ redirectUris: ['https://auth.example.com/api/auth/oidc/callback'] });
    try {
      expect(await oauth2SwitchProblems(config(idp.issuer))).toEqual([]);
      const mismatch = await oauth2SwitchProblems(config(`${idp.issuer}/realms/other`));
      expect(mismatch[0]).toMatch(/answered HTTP 404/);
    } finally {
      await idp.close();
    }
  });

  it('names the issuer the provider really has when oauth2.issuerUrl does not match it', async () => {
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: 'https://idp.example.com/realms/main', authorization_endpoint: 'https://idp.example.com/auth' })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const problems = await oauth2SwitchProblems(config(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
      expect(problems[0]).toMatch(/calls itself "https:\/\/idp\.example\.com\/realms\/main".*set oauth2\.issuerUrl to exactly its issuer/);
    } finally {
      server.close();
    }
  });
});
