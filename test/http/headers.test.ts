import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { readSingleHeaders } from '../../src/http/headers.js';

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
