import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { sameOrigin } from '../../src/http/csrf.js';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as FastifyRequest;
const PORTAL = 'https://auth.example.com';

describe('sameOrigin', () => {
  it('requires Origin, when sent, to be exactly the portal origin', () => {
    expect(sameOrigin(req({ origin: PORTAL }), PORTAL)).toBe(true);
    for (const origin of ['https://evil.com', 'null', 'http://auth.example.com', 'https://auth.example.com:443x', 'https://app.example.com', `${PORTAL}/`]) {
      expect(sameOrigin(req({ origin }), PORTAL), origin).toBe(false);
    }
  });

  it('without Origin, trusts only same-origin or direct navigation fetch metadata', () => {
    expect(sameOrigin(req({}), PORTAL)).toBe(true);
    expect(sameOrigin(req({ 'sec-fetch-site': 'same-origin' }), PORTAL)).toBe(true);
    expect(sameOrigin(req({ 'sec-fetch-site': 'none' }), PORTAL)).toBe(true);
    expect(sameOrigin(req({ 'sec-fetch-site': 'same-site' }), PORTAL)).toBe(false);
    expect(sameOrigin(req({ 'sec-fetch-site': 'cross-site' }), PORTAL)).toBe(false);
  });

  it('Origin wins over fetch metadata', () => {
    expect(sameOrigin(req({ origin: 'https://evil.com', 'sec-fetch-site': 'same-origin' }), PORTAL)).toBe(false);
  });
});
