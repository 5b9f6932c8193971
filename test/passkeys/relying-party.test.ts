import { describe, expect, it } from 'vitest';
import { ConfigSchema, type ConfigInput } from '../../config/schema.js';
import { bootReport } from '../../src/boot-checks.js';
import { passkeyWarnings, relyingParty, rpIdCoversHost } from '../../src/passkeys/relying-party.js';

const base: ConfigInput = { version: 1, mode: 'userPassword', domains: ['example.com'] };
const config = (extra: Partial<ConfigInput> = {}) => ConfigSchema.parse({ ...base, ...extra });

describe('relying party', () => {
  it('is derived from the portal URL when not configured', () => {
    expect(relyingParty(config(), new URL('https://auth.example.com:8443/'))).toEqual({ id: 'auth.example.com', name: 'Gatehouse', origins: ['https://auth.example.com:8443'] });
  });

  it('config passkeys.rpId, rpName and origins win', () => {
    const rp = relyingParty(config({ passkeys: { rpId: 'example.com', rpName: 'Home', origins: ['https://auth.example.com/', 'https://login.example.com'] } }), new URL('https://auth.example.com'));
    expect(rp).toEqual({ id: 'example.com', name: 'Home', origins: ['https://auth.example.com', 'https://login.example.com'] });
  });

  it('an RP ID covers its own host and subdomains, nothing else', () => {
    expect(rpIdCoversHost('example.com', 'example.com')).toBe(true);
    expect(rpIdCoversHost('example.com', 'auth.example.com')).toBe(true);
    expect(rpIdCoversHost('example.com', 'badexample.com')).toBe(false);
    expect(rpIdCoversHost('auth.example.com', 'example.com')).toBe(false);
  });

  it('no warning for https, or http on localhost names', () => {
    expect(passkeyWarnings(config(), new URL('https://auth.example.com'))).toEqual([]);
    expect(passkeyWarnings(config(), new URL('http://localhost:9092'))).toEqual([]);
    expect(passkeyWarnings(config(), new URL('http://auth.gh.localhost:8080'))).toEqual([]);
  });

  it('warns when the portal is plain http on a non-local host (browsers refuse WebAuthn there)', () => {
    expect(passkeyWarnings(config(), new URL('http://auth.lan:9092'))).toEqual([expect.stringMatching(/^passkeys: the portal http:\/\/auth\.lan:9092 is plain http on a non-local host; browsers refuse passkeys/)]);
  });

  it('warns about an IP address portal, an RP ID that does not cover an origin, and a portal missing from origins', () => {
    expect(passkeyWarnings(config(), new URL('http://127.0.0.1:9092')).join('\n')).toMatch(/RP ID 127\.0\.0\.1 is an IP address/);
    const wrong = passkeyWarnings(config({ passkeys: { rpId: 'other.com', origins: ['https://login.example.com'] } }), new URL('https://auth.example.com'));
    expect(wrong).toEqual([
      expect.stringMatching(/RP ID other\.com is neither login\.example\.com nor a parent domain of it/),
      expect.stringMatching(/passkeys\.origins does not include the portal https:\/\/auth\.example\.com/),
    ]);
  });

  it('the boot report carries the passkey warnings', () => {
    const env = { dataDir: '/tmp/x', port: 0, host: '127.0.0.1', sessionSecret: 'abcdefghijklmnopqrstuvwxyz012345', portalUrl: 'http://auth.lan', logLevel: 'info' } as const;
    expect(bootReport(config(), env).warnings.join('\n')).toMatch(/passkeys: the portal http:\/\/auth\.lan is plain http/);
  });
});
