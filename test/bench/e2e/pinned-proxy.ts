/**
 * nginx or Caddy started for the e2e bench, pinned to the server CPU like the auth servers
 * (taskset execs the proxy, so the pid whose CPU time the bench reads is the proxy's own).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, readIfExists, requireBinary, spawnManaged, waitForPort } from '../../support/proxies.js';
import { SERVER_CPU } from '../bench-kit.js';
import { caddyConfig, nginxConfig } from './proxy-configs.js';

export type ProxyKind = 'nginx' | 'caddy';

export interface PinnedProxy {
  readonly kind: ProxyKind;
  readonly pid: number;
  readonly port: number;
  stop(): Promise<void>;
}

/** One proxy whose README snippet asks the auth server on `authPort`, or (`'responder'`) the proxy's own 204 responder. */
export async function startPinnedProxy(kind: ProxyKind, readmeBlock: string, authPort: number | 'responder', upstreamPort: number): Promise<PinnedProxy> {
  const binary = requireBinary(kind);
  const listen = await freePort();
  const responder = await freePort();
  const ports = { listen, responder, auth: authPort === 'responder' ? responder : authPort, upstream: upstreamPort };
  const dir = await mkdtemp(join(tmpdir(), `gatehouse-bench-${kind}-`));
  let args: string[];
  let env: NodeJS.ProcessEnv = { ...process.env };
  if (kind === 'nginx') {
    await mkdir(join(dir, 'logs'));
    const conf = join(dir, 'nginx.conf');
    await writeFile(conf, await nginxConfig(readmeBlock, dir, ports));
    args = [binary, '-p', `${dir}/`, '-c', conf, '-e', join(dir, 'error.log')];
  } else {
    const conf = join(dir, 'Caddyfile');
    await writeFile(conf, await caddyConfig(readmeBlock, ports));
    args = [binary, 'run', '--config', conf, '--adapter', 'caddyfile'];
    env = { ...env, HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') };
  }
  const proc = spawnManaged('taskset', ['-c', SERVER_CPU, ...args], env);
  const diagnostics = async () => `--- ${kind} output ---\n${proc.output()}\n${await readIfExists(join(dir, 'error.log'))}`;
  const stop = async () => {
    await proc.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(ports.listen, proc, kind, diagnostics);
    await waitForPort(ports.responder, proc, kind, diagnostics);
  } catch (error) {
    await stop();
    throw error;
  }
  return { kind, pid: proc.child.pid!, port: ports.listen, stop };
}
