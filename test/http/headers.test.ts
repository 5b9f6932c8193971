import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { readCheckHeaders, readSingleHeaders } from '../../src/http/headers.js';

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

describe('readCheckHeaders', () => {
  it('joins every Cookie line with "; ", as Node joins them, so a cookie on a later line still counts', () => {
    const read = readCheckHeaders(request(['Cookie', 'a=1', 'X-A', 'x', 'cookie', 'gatehouse_session=s']), ['x-a']);
    expect(read).toEqual({ single: { 'x-a': 'x' }, cookie: 'a=1; gatehouse_session=s' });
  });

  it('has no cookie when none was sent, and still refuses a repeated single header', () => {
    expect(readCheckHeaders(request(['X-A', 'x']), ['x-a'])).toEqual({ single: { 'x-a': 'x' }, cookie: undefined });
    expect(readCheckHeaders(request(['Cookie', 'a=1', 'X-A', 'x', 'X-A', 'y']), ['x-a'])).toBeNull();
  });
});
