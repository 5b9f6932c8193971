import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MIN_PASSWORD_LENGTH = 12;
/** Long passphrases are welcome; the cap only stops megabyte-sized "passwords". */
export const MAX_PASSWORD_LENGTH = 1024;

function loadCommonPasswords(): Set<string> {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const text = readFileSync(join(dir, 'config', 'common-passwords.txt'), 'utf8');
      return new Set(text.split('\n').filter((line) => line && !line.startsWith('#')));
    } catch {
      dir = resolve(dir, '..');
    }
  }
  throw new Error('config/common-passwords.txt not found');
}

let common: Set<string> | undefined;

function isCommon(password: string): boolean {
  common ??= loadCommonPasswords();
  const lower = password.toLowerCase();
  if (common.has(lower)) return true;
  // "password123456", "dragon!!!!!!": a common word padded with digits or symbols.
  const stem = lower.replace(/[\d\W_]+$/u, '');
  if (stem.length >= 4 && stem !== lower && common.has(stem)) return true;
  // "passwordpassword", "qwertyqwerty": a common password repeated is still common.
  for (let size = 1; size <= lower.length / 2; size++) {
    if (lower.length % size === 0 && lower.slice(0, size).repeat(lower.length / size) === lower) return common.has(lower.slice(0, size)) || size <= 3;
  }
  return false;
}

/**
 * NIST 800-63B style: a length floor, a generous ceiling, no composition
 * rules, and a refusal of passwords attackers try first.
 */
export function passwordProblem(password: string): string | null {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return `a password needs at least ${MIN_PASSWORD_LENGTH} characters`;
  if (length > MAX_PASSWORD_LENGTH) return `a password can have at most ${MAX_PASSWORD_LENGTH} characters`;
  if (isCommon(password)) return 'this password is on the list of the most common passwords; choose another';
  return null;
}
