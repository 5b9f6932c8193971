import { describe, expect, it } from 'vitest';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, passwordProblem } from '../../src/users/password-policy.js';

describe('passwordProblem', () => {
  it('refuses 11 characters and accepts 12', () => {
    expect(MIN_PASSWORD_LENGTH).toBe(12);
    expect(passwordProblem('kX9#mQ2$vL7')).toMatch(/at least 12/);
    expect(passwordProblem('kX9#mQ2$vL7!')).toBeNull();
  });

  it('counts characters, not bytes or UTF-16 units', () => {
    // 11 emoji are 22 UTF-16 units and 44 bytes, still 11 characters.
    expect(passwordProblem('🦊🐙🦉🐝🦋🐢🦔🐧🦩🐳🦕')).toMatch(/at least 12/);
    expect(passwordProblem('🦊🐙🦉🐝🦋🐢🦔🐧🦩🐳🦕🦖')).toBeNull();
  });

  it('accepts long passphrases well past 128 characters, up to 1024', () => {
    expect(MAX_PASSWORD_LENGTH).toBeGreaterThanOrEqual(128);
    const words = 'tangerine orbit velvet canyon whisper lantern ';
    expect(passwordProblem(words.repeat(3).slice(0, 128))).toBeNull();
    expect(passwordProblem(words.repeat(5).slice(0, 200))).toBeNull();
    const maxed = `${words.repeat(30)}`.slice(0, 1024);
    expect(maxed.length).toBe(1024);
    expect(passwordProblem(maxed)).toBeNull();
    expect(passwordProblem(`${maxed}x`)).toMatch(/at most 1024/);
  });

  it('has no composition rules', () => {
    expect(passwordProblem('all lower case words here')).toBeNull();
    expect(passwordProblem('839201746518')).toBeNull();
  });

  it('refuses common passwords, padded and repeated variants, whatever the case', () => {
    for (const pw of ['password123456', 'qwertyqwerty', 'Password123456', 'QWERTYQWERTY', 'passwordpassword', 'aaaaaaaaaaaaaa', 'abcabcabcabc', '123456789012']) {
      expect(passwordProblem(pw), pw).toMatch(/common/);
    }
  });
});
