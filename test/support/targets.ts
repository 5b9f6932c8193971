import { RuleSchema, type Rule } from '../../config/schema.js';
import { parseTarget, splitOriginalUrl, type Target } from '../../src/authz/target.js';
import type { Principal, Role } from '../../strategies/types.js';

export const TEST_DOMAINS = ['example.com', 'example.org'];

/** A validated Target for an absolute URL, as the check endpoints would build it. */
export function targetFor(url: string, method = 'GET', clientIp = '203.0.113.7'): Target {
  const parts = splitOriginalUrl(url);
  if (!parts) throw new Error(`not an absolute URL: ${url}`);
  const result = parseTarget({ method, proto: parts.proto, host: parts.host, uri: parts.uri, clientIp }, { domains: TEST_DOMAINS, allowHttp: false });
  if (!result.ok) throw new Error(`target refused: ${result.message}`);
  return result.target;
}

/** Rules as written in config.json, validated by the schema. */
export function rules(...input: unknown[]): Rule[] {
  return input.map((rule) => RuleSchema.parse(rule));
}

export function principal(role: Role, overrides: Partial<Principal> = {}): Principal {
  return { id: `${role}-user`, username: `${role}-user`, role, groups: [], amr: ['pwd'], acr: 'aal2', ...overrides };
}
