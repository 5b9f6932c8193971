import { describe, expect, it } from 'vitest';
import type { Principal } from '../../strategies/types.js';
import { upstreamHeaders, websocketUpstreamHeaders, withoutGatehouseCookies } from '../../src/proxy/upstream-headers.js';

const VICTOR: Principal = { id: 'local:v1', username: 'victor', role: 'viewer', groups: ['viewer'], email: 'victor@example.com', name: 'Victor', amr: ['pwd'], acr: 'aal1' };
const REQUEST = { host: 'app.example.com:8443', clientIp: '192.168.1.20', principal: VICTOR };

describe('upstreamHeaders', () => {
  it('identity spoofing: drops every client Remote-* / Remote_* header in any case and sets the principal’s own', () => {
    const out = upstreamHeaders({ 'remote-user': 'alice', remote_user: 'alice', 'remote-groups': 'admin', 'remote-anything': 'x', accept: 'text/html' }, REQUEST);
    expect(out).toMatchObject({ 'remote-user': 'victor', 'remote-groups': 'viewer', 'remote-email': 'victor@example.com', 'remote-name': 'Victor', accept: 'text/html' });
    expect(out.remote_user).toBeUndefined();
    expect(out['remote-anything']).toBeUndefined();
  });

  it('address spoofing: X-Forwarded-*, X-Real-IP and Forwarded from the client are replaced by what Gatehouse saw', () => {
    const out = upstreamHeaders({ 'x-forwarded-for': '10.0.0.1', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example', 'x-real-ip': '10.0.0.1', forwarded: 'for=10.0.0.1', host: 'upstream:3000' }, REQUEST);
    expect(out).toMatchObject({ 'x-forwarded-for': '192.168.1.20', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'app.example.com:8443', host: 'app.example.com:8443' });
    expect(out['x-real-ip']).toBeUndefined();
    expect(out.forwarded).toBeUndefined();
  });

  it('credential leak: the Authorization header and Gatehouse’s cookies stay with Gatehouse; the app’s own cookies pass', () => {
    const out = upstreamHeaders({ authorization: 'Bearer gh_x_y', cookie: 'a=1; gatehouse_session=id.secret; gatehouse_csrf=t; b=2' }, REQUEST);
    expect(out.authorization).toBeUndefined();
    expect(out.cookie).toBe('a=1; b=2');
  });

  it('an anonymous request (a bypass rule) gets no identity headers at all', () => {
    const out = upstreamHeaders({ 'remote-user': 'alice' }, { ...REQUEST, principal: null });
    expect(Object.keys(out).filter((name) => name.startsWith('remote'))).toEqual([]);
  });
});

describe('withoutGatehouseCookies', () => {
  it('keeps other cookies in order, drops ours, and leaves nothing when only ours were sent', () => {
    expect(withoutGatehouseCookies('x=1;gatehouse_session=a.b;  y=2')).toBe('x=1; y=2');
    expect(withoutGatehouseCookies('gatehouse_session=a.b')).toBeUndefined();
    expect(withoutGatehouseCookies(undefined)).toBeUndefined();
    expect(withoutGatehouseCookies(['x=1', 'gatehouse_oidc=z'])).toBe('x=1');
  });
});

describe('websocketUpstreamHeaders', () => {
  it('leaves the client handshake and hop-by-hop headers to the proxy’s own handshake, and rewrites the rest like any request', () => {
    const out = websocketUpstreamHeaders(
      {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'sec-websocket-version': '13',
        'sec-websocket-extensions': 'permessage-deflate',
        'sec-websocket-protocol': 'chat',
        origin: 'https://app.example.com',
        cookie: 'gatehouse_session=id.secret; pref=1',
        'remote-user': 'root',
      },
      REQUEST,
    );
    expect(Object.keys(out).filter((name) => name.startsWith('sec-websocket-') || name === 'connection' || name === 'upgrade')).toEqual([]);
    expect(out.origin).toBe('https://app.example.com');
    expect(out.cookie).toBe('pref=1');
    expect(out['remote-user']).toBe(REQUEST.principal!.username);
  });
});
