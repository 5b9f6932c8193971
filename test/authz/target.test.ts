import { describe, expect, it } from 'vitest';
import { normalizeHost, parseTarget, splitOriginalUrl, validateUri, type RawTarget, type TargetRules } from '../../src/authz/target.js';

const RULES: TargetRules = { domains: ['example.com'], allowHttp: false };
const OK: RawTarget = { method: 'GET', proto: 'https', host: 'app.example.com', uri: '/x', clientIp: '203.0.113.7' };

function parse(overrides: Partial<RawTarget>, rules: TargetRules = RULES) {
  return parseTarget({ ...OK, ...overrides }, rules);
}
function code(overrides: Partial<RawTarget>, rules: TargetRules = RULES): string {
  const result = parse(overrides, rules);
  return result.ok ? 'ok' : result.code;
}
function uriError(uri: string): string | null {
  const result = validateUri(uri);
  return 'error' in result ? result.error : null;
}

describe('parseTarget: method', () => {
  it('accepts upper-case methods of 1-16 letters', () => {
    for (const method of ['GET', 'POST', 'DELETE', 'PROPFIND', 'A', 'ABCDEFGHIJKLMNOP']) expect(code({ method })).toBe('ok');
  });

  it('refuses missing, lower-case, padded, too long or punctuated methods', () => {
    for (const method of [undefined, '', 'get', 'Get', 'GET ', ' GET', 'GET,POST', 'ABCDEFGHIJKLMNOPQ', 'GET\r\n', 'M-SEARCH']) {
      expect(code({ method }), String(method)).toBe('bad_method');
    }
  });

  it('judges HEAD as GET but remembers the original method', () => {
    const result = parse({ method: 'HEAD' });
    expect(result.ok && result.target.method).toBe('GET');
    expect(result.ok && result.target.originalMethod).toBe('HEAD');
  });
});

describe('parseTarget: proto', () => {
  it('accepts https only by default', () => {
    expect(code({ proto: 'https' })).toBe('ok');
    for (const proto of ['http', 'HTTPS', 'ftp', '', undefined, 'https,http', 'https ']) expect(code({ proto }), String(proto)).toBe('bad_proto');
  });

  it('accepts http when allowHttp is set', () => {
    const result = parse({ proto: 'http' }, { ...RULES, allowHttp: true });
    expect(result.ok && result.target.url).toBe('http://app.example.com/x');
    expect(code({ proto: 'ftp' }, { ...RULES, allowHttp: true })).toBe('bad_proto');
  });
});

describe('parseTarget: host', () => {
  it('lower-cases and strips the port and trailing dot for matching, keeping the port in the URL', () => {
    const result = parse({ host: 'App.Example.COM.:8443' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.target.host).toBe('app.example.com');
    expect(result.target.url).toBe('https://app.example.com:8443/x');
  });

  it('accepts the protected domain itself and its subdomains', () => {
    expect(code({ host: 'example.com' })).toBe('ok');
    expect(code({ host: 'a.b.example.com' })).toBe('ok');
  });

  it('refuses hosts outside the protected domains, including look-alike suffixes', () => {
    for (const host of ['evil-example.com', 'notexample.com', 'example.com.evil.com', 'example.org', 'com']) {
      expect(code({ host }), host).toBe('unprotected_host');
    }
  });

  it('refuses malformed hosts', () => {
    for (const host of [undefined, '', 'app.example.com:', 'app.example.com:0', 'app.example.com:99999', 'app.example.com:80:80', 'user@app.example.com', '[::1]', 'app example.com', 'app.example.com, evil.com', 'app_x.example.com', 'app.example.com/x']) {
      expect(code({ host }), String(host)).not.toBe('ok');
    }
  });

  it('normalizeHost keeps the authority with its port', () => {
    expect(normalizeHost('A.Example.com:444')).toEqual({ host: 'a.example.com', authority: 'a.example.com:444' });
    expect(normalizeHost('a.example.com.')).toEqual({ host: 'a.example.com', authority: 'a.example.com' });
    expect(normalizeHost('a..example.com')).toBeNull();
  });
});

describe('parseTarget: client IP', () => {
  it('needs exactly one IP address', () => {
    expect(code({ clientIp: '2001:db8::1' })).toBe('ok');
    for (const clientIp of [undefined, '', '203.0.113.7, 10.0.0.1', 'localhost', '203.0.113.7:1234']) expect(code({ clientIp }), String(clientIp)).toBe('bad_client_ip');
  });

  it('unwraps IPv4-mapped IPv6', () => {
    const result = parse({ clientIp: '::ffff:192.168.1.2' });
    expect(result.ok && result.target.clientIp).toBe('192.168.1.2');
  });
});

describe('validateUri', () => {
  it('accepts ordinary paths and queries', () => {
    for (const uri of ['/', '/a/b', '/a/b/', '/a?x=1&y=2', '/caf%C3%A9', '/a-b_c~d.e', '/a?redirect=%2F%2Fx%5C%00', '/.well-known/x', '/a..b/c.']) {
      expect(uriError(uri), uri).toBeNull();
    }
  });

  it('must start with a single /', () => {
    for (const uri of ['', 'a/b', '//evil.com/x', 'https://a.example.com/x', '?x', '*']) expect(uriError(uri), uri).toMatch(/single \//);
  });

  it('refuses raw backslash, #, whitespace, control and non-ASCII characters', () => {
    for (const uri of ['/a\\b', '/a#b', '/a b', '/a\tb', '/a\nb', '/a\rb', '/a\x00b', '/a\x1fb', '/a\x7fb', '/café', '/a?q=é', '/a?x=#y', '/a?x= y', '/😀']) {
      expect(uriError(uri), JSON.stringify(uri)).not.toBeNull();
    }
  });

  it('refuses malformed percent-escapes anywhere', () => {
    for (const uri of ['/a%', '/a%2', '/a%zz', '/a%2g', '/a?x=%', '/a?x=%G0', '/%C3']) expect(uriError(uri), uri).not.toBeNull();
  });

  it('refuses an encoded slash, backslash or NUL in the path, in either case', () => {
    for (const uri of ['/a%2Fb', '/a%2fb', '/a%5Cb', '/a%5cb', '/a%00b', '/%2F']) expect(uriError(uri), uri).toMatch(/encoded slash/);
  });

  it('allows those escapes in the query string', () => {
    expect(validateUri('/a?x=%2F%2f%5C%00')).toEqual({ path: '/a' });
  });

  it('refuses ; in the path but not in the query', () => {
    expect(uriError('/a;b')).toMatch(/;/);
    expect(uriError('/a;jsessionid=1/b')).toMatch(/;/);
    expect(uriError('/a?x=1;y=2')).toBeNull();
  });

  it('refuses dot segments, also percent-encoded in any case mix', () => {
    for (const uri of ['/..', '/.', '/a/..', '/a/../b', '/a/./b', '/a/%2e%2e/b', '/a/%2E%2E/b', '/a/.%2E/b', '/a/%2e./b', '/a/%2e/b', '/a/..?x', '/%2e%2e']) {
      expect(uriError(uri), uri).toMatch(/dot segment/);
    }
  });

  it('refuses empty segments', () => {
    for (const uri of ['/a//b', '/a/b//']) expect(uriError(uri), uri).toMatch(/empty segment/);
  });

  it('refuses encoded control characters', () => {
    for (const uri of ['/a%0Ab', '/a%0d%0ab', '/a%1F', '/a%7f']) expect(uriError(uri), uri).not.toBeNull();
  });

  it('decodes the path and drops the query', () => {
    expect(validateUri('/caf%C3%A9/%7Euser?next=/admin')).toEqual({ path: '/café/~user' });
    expect(validateUri('/p%75blic?x')).toEqual({ path: '/public' });
  });

  it('parseTarget keeps the raw URI for the redirect and the decoded path for the rules', () => {
    const result = parse({ uri: '/caf%C3%A9?q=1' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.target.uri).toBe('/caf%C3%A9?q=1');
    expect(result.target.path).toBe('/café');
    expect(result.target.url).toBe('https://app.example.com/caf%C3%A9?q=1');
    expect(code({ uri: '/a/../b' })).toBe('bad_uri');
    expect(code({ uri: undefined })).toBe('bad_uri');
  });
});

describe('splitOriginalUrl (nginx X-Original-URL)', () => {
  it('splits scheme, host (with port) and URI without resolving anything', () => {
    expect(splitOriginalUrl('https://app.example.com/a/b?c=d')).toEqual({ proto: 'https', host: 'app.example.com', uri: '/a/b?c=d' });
    expect(splitOriginalUrl('https://app.example.com:8443/x')).toEqual({ proto: 'https', host: 'app.example.com:8443', uri: '/x' });
    expect(splitOriginalUrl('http://app.example.com')).toEqual({ proto: 'http', host: 'app.example.com', uri: '/' });
    expect(splitOriginalUrl('https://app.example.com/a/../b')).toEqual({ proto: 'https', host: 'app.example.com', uri: '/a/../b' });
  });

  it('refuses values that are not an absolute URL of the expected shape', () => {
    for (const value of ['/relative', 'app.example.com/x', 'https://', 'https:///x', 'https://user@app.example.com/', 'https://app.example.com\\@evil.com/', 'https://app.example.com?x', 'https://app.example.com#x', '1https://a.example.com/']) {
      expect(splitOriginalUrl(value), value).toBeNull();
    }
  });

  it('leaves a dot-segment URI for parseTarget to refuse', () => {
    const parts = splitOriginalUrl('https://app.example.com/public/../admin')!;
    expect(code({ proto: parts.proto, host: parts.host, uri: parts.uri })).toBe('bad_uri');
  });
});
