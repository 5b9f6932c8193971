import { afterEach, describe, expect, it } from 'vitest';
import { createAppFixture, forwardAuthHeaders, type AppFixture } from '../support/app-fixture.js';

describe('open mode', () => {
  let fx: AppFixture;
  afterEach(() => fx?.close());

  it('allows a check as the open admin, with no-store', async () => {
    fx = await createAppFixture({ mode: 'open' });
    const res = await fx.app.inject({ method: 'GET', url: '/api/authz/forward-auth', headers: forwardAuthHeaders('https://app.example.com/x'), remoteAddress: '127.0.0.1' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['remote-user']).toBe('open');
    expect(res.headers['cache-control']).toBe('no-store');
  });
});
