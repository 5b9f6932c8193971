/**
 * Counters for `/metrics`, in the Prometheus text format. The forward-auth check bumps a
 * number in a fixed table (no string building, no map lookup), so counting costs the hot
 * path next to nothing. Labels come from small fixed sets — never a username or a host —
 * so a scraper's storage stays bounded whatever the traffic.
 */
export const CHECK_ENDPOINTS = ['forward-auth', 'auth-request', 'proxy'] as const;
export const CHECK_OUTCOMES = ['allow', 'deny', 'login', 'stepUp', 'bad_request', 'store_unavailable'] as const;
export type CheckEndpoint = (typeof CHECK_ENDPOINTS)[number];
export type CheckOutcome = (typeof CHECK_OUTCOMES)[number];

/** A gauge read at scrape time: name, help text, and its labelled values. */
export interface Gauge {
  readonly name: string;
  readonly help: string;
  readonly values: ReadonlyArray<{ readonly labels?: Readonly<Record<string, string>>; readonly value: number }>;
}

type CheckTable = Record<CheckEndpoint, Record<CheckOutcome, number>>;

function emptyChecks(): CheckTable {
  const table = {} as CheckTable;
  for (const endpoint of CHECK_ENDPOINTS) {
    table[endpoint] = Object.fromEntries(CHECK_OUTCOMES.map((outcome) => [outcome, 0])) as Record<CheckOutcome, number>;
  }
  return table;
}

/** A label value as the text format wants it: backslash, quote and newline escaped. */
function labelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelled(labels: Readonly<Record<string, string>> | undefined): string {
  if (!labels) return '';
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${labelValue(value)}"`);
  return pairs.length > 0 ? `{${pairs.join(',')}}` : '';
}

export class Metrics {
  private readonly checks = emptyChecks();
  private readonly auditEvents = new Map<string, number>();

  countCheck(endpoint: CheckEndpoint, outcome: CheckOutcome): void {
    this.checks[endpoint][outcome]++;
  }

  /** Audit event names are Gatehouse's own (`login.failure`, `regulation.ban`…): a bounded set. */
  countAuditEvent(event: string): void {
    this.auditEvents.set(event, (this.auditEvents.get(event) ?? 0) + 1);
  }

  render(gauges: readonly Gauge[]): string {
    const lines: string[] = [];
    lines.push('# HELP gatehouse_checks_total Forward-auth and proxy checks answered, by endpoint and outcome.', '# TYPE gatehouse_checks_total counter');
    for (const endpoint of CHECK_ENDPOINTS) {
      for (const outcome of CHECK_OUTCOMES) lines.push(`gatehouse_checks_total${labelled({ endpoint, outcome })} ${this.checks[endpoint][outcome]}`);
    }
    lines.push('# HELP gatehouse_audit_events_total Audit log events (logins, bans, 2FA, user and mode changes), by event.', '# TYPE gatehouse_audit_events_total counter');
    for (const [event, count] of [...this.auditEvents].sort(([a], [b]) => a.localeCompare(b))) lines.push(`gatehouse_audit_events_total${labelled({ event })} ${count}`);
    for (const gauge of gauges) {
      lines.push(`# HELP ${gauge.name} ${gauge.help}`, `# TYPE ${gauge.name} gauge`);
      for (const { labels, value } of gauge.values) lines.push(`${gauge.name}${labelled(labels)} ${value}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
