import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { cookieHeader, readSingleHeaders } from '../../src/http/headers.js';

const request = (rawHeaders: string[]) => ({ rawHeaders }) as unknown as IncomingMessage;

describe('readSingleHeaders', () => {
  it('reads the wanted headers case-insensitively and ignores the rest', () => {
    expect(readSingleHeaders(request(['X-Forwarded-Host', 'a.example.com', 'Accept', '*/*', 'authorization', 'Bearer t']), ['x-forwarded-host', 'authorization', 'x-forwarded-uri'])).toEqual({
      'x-forwarded-host': 'a.example.com',
      authorization: 'Bearer t',
    });
  });

  it('returns null when a wanted header appears twice, in any case', () => {
    expect(readSingleHeaders(request(['X-Forwarded-Host', 'a', 'x-forwarded-host', 'a']), ['x-forwarded-host'])).toBeNull();
    expect(readSingleHeaders(request(['Authorization', 'Bearer a', 'AUTHORIZATION', 'Bearer b']), ['authorization'])).toBeNull();
  });

  it('counts an empty value as present', () => {
    expect(readSingleHeaders(request(['X-A', '', 'X-A', 'x']), ['x-a'])).toBeNull();
  });

  it('allows duplicates of headers it was not asked about', () => {
    expect(readSingleHeaders(request(['Accept', 'a', 'Accept', 'b', 'X-A', '1']), ['x-a'])).toEqual({ 'x-a': '1' });
  });
});

describe('cookieHeader', () => {
  it('reads Cookie in any case, and nothing when it is absent', () => {
    expect(cookieHeader(request(['COOKIE', 'a=1', 'Accept', '*/*']))).toBe('a=1');
    expect(cookieHeader(request(['Accept', '*/*', 'Cookies', 'a=1']))).toBeUndefined();
  });

  it('joins several Cookie headers with "; " as Node does, so a second session cookie stays visible', () => {
    const raw = ['Cookie', 'gatehouse_session=a.b', 'cookie', 'gatehouse_session=c.d'];
    const joined = cookieHeader(request(raw));
    expect(joined).toBe('gatehouse_session=a.b; gatehouse_session=c.d');
    // The same value Node puts in request.headers.cookie.
    expect(joined).toBe(['gatehouse_session=a.b', 'gatehouse_session=c.d'].join('; '));
  });
});
