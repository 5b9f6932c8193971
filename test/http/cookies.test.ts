import { describe, expect, it } from 'vitest';
import { clearCookie, readCookie, serializeCookie } from '../../src/http/cookies.js';

describe('readCookie', () => {
  it('finds one cookie by exact name', () => {
    expect(readCookie('a=1; gatehouse_session=x.y; b=2', 'gatehouse_session')).toEqual({ kind: 'one', value: 'x.y' });
    expect(readCookie('gatehouse_session=x.y', 'gatehouse_session')).toEqual({ kind: 'one', value: 'x.y' });
    expect(readCookie('  gatehouse_session = x.y ', 'gatehouse_session')).toEqual({ kind: 'one', value: 'x.y' });
  });

  it('does not confuse a cookie whose name merely contains the name', () => {
    expect(readCookie('my_gatehouse_session=x; gatehouse_session_old=y', 'gatehouse_session')).toEqual({ kind: 'absent' });
  });

  it('is absent without a header, and ambiguous with two copies', () => {
    expect(readCookie(undefined, 'c')).toEqual({ kind: 'absent' });
    expect(readCookie('', 'c')).toEqual({ kind: 'absent' });
    expect(readCookie('c=1; d=2; c=1', 'c')).toEqual({ kind: 'ambiguous' });
  });

  it('keeps = inside the value', () => {
    expect(readCookie('c=a=b', 'c')).toEqual({ kind: 'one', value: 'a=b' });
  });
});

describe('serializeCookie / clearCookie', () => {
  it('defaults to HttpOnly, SameSite=Lax, Path=/', () => {
    expect(serializeCookie('n', 'v', { secure: true })).toBe('n=v; Path=/; SameSite=Lax; HttpOnly; Secure');
    expect(serializeCookie('n', 'v', { secure: false, domain: 'example.com', maxAgeSeconds: 60, sameSite: 'Strict' })).toBe('n=v; Path=/; SameSite=Strict; HttpOnly; Domain=example.com; Max-Age=60');
  });

  it('clears both the host-only and the domain-wide cookie', () => {
    expect(clearCookie('n', { secure: true, domain: 'example.com' })).toEqual(['n=; Path=/; SameSite=Lax; HttpOnly; Secure; Max-Age=0', 'n=; Path=/; SameSite=Lax; HttpOnly; Secure; Domain=example.com; Max-Age=0']);
    expect(clearCookie('n', { secure: false })).toHaveLength(1);
  });
});
