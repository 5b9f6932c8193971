import { describe, expect, it } from 'vitest';
import { usernameKey, usernameProblem } from '../../src/users/username.js';

describe('usernameKey', () => {
  it('makes Admin, full-width ａｄｍｉｎ and admin the same key', () => {
    expect(usernameKey('Admin')).toBe('admin');
    expect(usernameKey('ａｄｍｉｎ')).toBe('admin');
    expect(usernameKey('ＡＤＭＩＮ')).toBe('admin');
    expect(usernameKey('admin')).toBe('admin');
  });

  it('folds case beyond ASCII', () => {
    expect(usernameKey('STRASSE')).toBe(usernameKey('straße'));
    expect(usernameKey('ΣΟΦΙΑ')).toBe(usernameKey('σοφια'));
    expect(usernameKey('Ирина')).toBe(usernameKey('ИРИНА'));
  });

  it('keeps different names apart', () => {
    expect(usernameKey('admin')).not.toBe(usernameKey('admin2'));
    expect(usernameKey('аdmin')).not.toBe(usernameKey('admin'));
  });
});

describe('usernameProblem', () => {
  it('accepts ordinary names', () => {
    for (const name of ['alice', 'Bob.Smith', 'carol_1', 'dave-ops', 'erin+test@example.com', 'ADMIN']) expect(usernameProblem(name)).toBeNull();
  });

  it('accepts a single non-Latin script, and Japanese mixing kana and kanji', () => {
    expect(usernameProblem('Ирина')).toBeNull();
    expect(usernameProblem('админ')).toBeNull();
    expect(usernameProblem('たなか')).toBeNull();
    expect(usernameProblem('田中たろう')).toBeNull();
    expect(usernameProblem('カタカナ漢字')).toBeNull();
  });

  it('refuses zero-width and other invisible characters', () => {
    for (const name of ['ad\u200bmin', 'admin\u200d', '\ufeffadmin', 'ad\u00admin', 'ad\u2060min', 'admin\u200c']) {
      expect(usernameProblem(name), JSON.stringify(name)).toMatch(/invisible|control/);
    }
  });

  it('refuses right-to-left overrides and other bidi controls', () => {
    for (const name of ['\u202eadmin', 'adm\u202ein', 'admin\u202c', '\u2066admin\u2069', 'admin\u200f']) {
      expect(usernameProblem(name), JSON.stringify(name)).not.toBeNull();
    }
  });

  it('refuses spaces of every kind and control characters', () => {
    for (const name of ['ad min', ' admin', 'admin ', 'ad\tmin', 'ad\u00a0min', 'ad\u3000min', 'ad\nmin', 'ad\u0000min']) {
      expect(usernameProblem(name), JSON.stringify(name)).not.toBeNull();
    }
  });

  it('refuses Latin mixed with a Cyrillic look-alike (аdmin with Cyrillic а)', () => {
    expect('аdmin'.codePointAt(0)).toBe(0x430);
    expect(usernameProblem('аdmin')).toMatch(/mix scripts/);
    expect(usernameProblem('pаypal')).toMatch(/mix scripts/);
    // Greek omicron inside a Latin name.
    expect(usernameProblem('rοot')).toMatch(/mix scripts/);
  });

  it('follows UTS #39 "highly restrictive": Latin may join Japanese, Cyrillic may not', () => {
    expect(usernameProblem('tanaka田中')).toBeNull();
    expect(usernameProblem('иван田中')).toMatch(/mix scripts/);
    expect(usernameProblem('иванα')).toMatch(/mix scripts/);
  });

  it('refuses empty, over-long and punctuation-heavy names', () => {
    expect(usernameProblem('')).not.toBeNull();
    expect(usernameProblem('a'.repeat(65))).not.toBeNull();
    expect(usernameProblem('a'.repeat(64))).toBeNull();
    for (const name of ['a/b', 'a:b', 'a,b', 'a<b', "a'b", 'a"b', 'a;b']) expect(usernameProblem(name), name).not.toBeNull();
  });
});
