import { existsSync } from 'node:fs';
import type { EnvSettings } from '../../env.js';
import type { DoctorReport, Finding } from '../../doctor/diagnose.js';
import { DOCTOR_TICKET_HEADER, mintDoctorTicket } from '../../doctor/doctor-ticket.js';
import { parseArgs } from '../args.js';
import { RefusedError, UsageError, type CliContext } from '../context.js';

type Answer = DoctorReport & { mode: string; portal: string };

/** The local server, from GATEHOUSE_HOST and GATEHOUSE_PORT (a wildcard address is asked on loopback). */
export function localServerUrl(env: Pick<EnvSettings, 'host' | 'port'>): string {
  const host = env.host === '0.0.0.0' || env.host === '' ? '127.0.0.1' : env.host === '::' ? '[::1]' : env.host.includes(':') ? `[${env.host}]` : env.host;
  return `http://${host}:${env.port}`;
}

const LEVEL = { error: 'ERROR', warning: 'WARN ', info: 'INFO ' } as const;

function formatFinding(f: Finding): string {
  const lines = [`${LEVEL[f.level]} ${f.code}${f.peer ? ` (${f.peer})` : ''}: ${f.message}`];
  if (f.fix) {
    lines.push(`      fix (${f.fix.for}):`);
    for (const line of f.fix.text.split('\n')) lines.push(`        ${line}`);
  }
  return lines.join('\n');
}

function formatReport(base: string, answer: Answer): string {
  const out = [`Gatehouse doctor: ${base} (mode ${answer.mode}, portal ${answer.portal})`];
  if (answer.peers.length > 0) out.push('checks seen lately:');
  for (const p of answer.peers) {
    out.push(`  ${p.ip}  ${p.proxy}  ${p.trusted ? 'trusted' : 'NOT trusted'}  ${p.requests} checks, ${p.requestsPerConnection} per connection${p.hosts.length ? `  hosts: ${p.hosts.join(', ')}` : ''}`);
  }
  for (const f of answer.findings) out.push(formatFinding(f));
  const count = (level: Finding['level']) => answer.findings.filter((f) => f.level === level).length;
  out.push(answer.ok ? `ok: no errors (${count('warning')} warnings)` : `${count('error')} errors, ${count('warning')} warnings`);
  return `${out.join('\n')}\n`;
}

async function ask(base: string, headers: Record<string, string>): Promise<Response> {
  try {
    return await fetch(`${base}/api/admin/doctor`, { headers, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new RefusedError(`cannot reach Gatehouse at ${base} (${why}): is it running? Give its address with --url`);
  }
}

/**
 * `gatehouse doctor [--url URL] [--token T] [--json]`: asks the running server what it
 * makes of the checks it has seen and of its config. Exit 1 on any error finding.
 * Without --token it proves access to the data dir with a ticket minted there.
 */
export async function doctor(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { positional, options } = parseArgs(argv, ['json']);
  if (positional.length > 0) throw new UsageError(`doctor takes no arguments (got ${positional[0]})`);
  const url = options.get('url');
  const token = options.get('token');
  const base = (typeof url === 'string' ? url : localServerUrl(ctx.env)).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+$/.test(base)) throw new UsageError('--url must be the server\'s origin, such as http://127.0.0.1:9092');
  const headers: Record<string, string> = { accept: 'application/json' };
  let revoke = async () => undefined as void;
  if (typeof token === 'string') headers.authorization = `Bearer ${token}`;
  else if (existsSync(ctx.env.dataDir)) {
    const minted = await mintDoctorTicket(ctx.env.dataDir);
    headers[DOCTOR_TICKET_HEADER] = minted.ticket;
    revoke = minted.revoke;
  }
  let res: Response;
  try {
    res = await ask(base, headers);
  } finally {
    await revoke();
  }
  if (res.status === 401 || res.status === 403) {
    throw new RefusedError(`Gatehouse at ${base} refused the doctor (${res.status}): run it where the server's data dir is (GATEHOUSE_DATA_DIR), or pass --token with an admin API token`);
  }
  if (res.status !== 200) throw new RefusedError(`Gatehouse at ${base} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  const answer = (await res.json()) as Answer;
  process.stdout.write(options.has('json') ? `${JSON.stringify(answer, null, 2)}\n` : formatReport(base, answer));
  return answer.ok ? 0 : 1;
}
