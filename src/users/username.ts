/**
 * Usernames compare by NFKC + case folding, so `Admin`, `ａｄｍｉｎ` (full-width)
 * and `admin` are the same account. Names a person could not tell apart from
 * another (zero-width characters, a mix of scripts such as Latin + Cyrillic)
 * are refused outright.
 */

const INVISIBLE = /[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]/u;
const CONTROL_OR_SPACE = /[\p{Cc}\p{Cf}\p{Z}\s]/u;
const ALLOWED = /^[\p{L}\p{N}._@+-]+$/u;
const SCRIPTS = ['Latin', 'Cyrillic', 'Greek', 'Armenian', 'Hebrew', 'Arabic', 'Devanagari', 'Thai', 'Georgian', 'Hangul', 'Hiragana', 'Katakana', 'Han', 'Cherokee'] as const;
const SCRIPT_RES = SCRIPTS.map((s) => [s, new RegExp(`\\p{Script=${s}}`, 'u')] as const);
// Japanese mixes these three legitimately.
const JAPANESE = new Set(['Han', 'Hiragana', 'Katakana']);

/** The key two usernames are compared by. */
export function usernameKey(name: string): string {
  // toUpperCase().toLowerCase() approximates Unicode case folding (ß → ss, ς → σ).
  return name.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}

function scriptsOf(name: string): Set<string> {
  const found = new Set<string>();
  for (const char of name) {
    if (!/\p{L}/u.test(char)) continue;
    const script = SCRIPT_RES.find(([, re]) => re.test(char));
    found.add(script ? script[0] : 'Other');
  }
  return found;
}

/** Null when the username is acceptable, else the reason it is refused. */
export function usernameProblem(name: string): string | null {
  if (name.length === 0 || name.length > 64) return 'a username is 1 to 64 characters';
  if (INVISIBLE.test(name) || CONTROL_OR_SPACE.test(name)) return 'a username cannot contain spaces, invisible or control characters';
  const key = usernameKey(name);
  if (!ALLOWED.test(key)) return 'a username may contain letters, digits and . _ @ + - only';
  const scripts = scriptsOf(key);
  const nonJapanese = [...scripts].filter((s) => !JAPANESE.has(s));
  if (nonJapanese.length > 1 || (nonJapanese.length === 1 && scripts.size > 1 && nonJapanese[0] !== 'Latin')) {
    return `a username cannot mix scripts (${[...scripts].join(' + ')}): it could impersonate another`;
  }
  return null;
}
