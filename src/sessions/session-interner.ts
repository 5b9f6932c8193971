import type { Principal } from '../../strategies/types.js';
import type { SessionRecord } from './session-record.js';

/** Distinct short strings (user agents, IPs, amr lists) kept shared; past this the table starts over. */
const MAX_STRINGS = 20_000;

/**
 * Makes the sessions of one user share one Principal object, and sessions
 * from one browser share one user-agent string. A user with a thousand
 * sessions (a script that logs in every minute) then costs one principal, and
 * an idle store of 100k sessions stays well under a KiB each.
 *
 * Principals are held weakly: once no session points at one, it can go.
 */
export class SessionInterner {
  private readonly principals = new Map<string, WeakRef<Principal>>();
  private readonly gone = new FinalizationRegistry<string>((key) => {
    if (this.principals.get(key)?.deref() === undefined) this.principals.delete(key);
  });
  private strings = new Map<string, string>();
  private readonly lists = new Map<string, readonly string[]>();

  /** The record with its principal, user agent, ip and amr shared with equal ones already held. */
  record(record: SessionRecord): SessionRecord {
    const principal = this.principal(record.principal);
    const userAgent = this.string(record.userAgent);
    const ip = this.string(record.ip);
    const amr = this.list(record.amr);
    if (principal === record.principal && userAgent === record.userAgent && ip === record.ip && amr === record.amr) return record;
    return { ...record, principal, userAgent, ip, amr };
  }

  principal(principal: Principal): Principal {
    const key = JSON.stringify([principal.id, principal.username, principal.role, principal.groups, principal.email, principal.name, principal.amr, principal.acr]);
    const held = this.principals.get(key)?.deref();
    if (held) return held;
    this.principals.set(key, new WeakRef(principal));
    this.gone.register(principal, key);
    return principal;
  }

  string(value: string): string {
    const held = this.strings.get(value);
    if (held !== undefined) return held;
    if (this.strings.size >= MAX_STRINGS) this.strings = new Map();
    this.strings.set(value, value);
    return value;
  }

  /** amr lists are a handful of combinations (`pwd`, `pwd,otp`, `tok`…): share each one. */
  private list(values: readonly string[]): readonly string[] {
    const key = values.join(',');
    const held = this.lists.get(key);
    if (held) return held;
    if (this.lists.size >= 64) return values;
    const frozen = Object.freeze([...values]);
    this.lists.set(key, frozen);
    return frozen;
  }
}
