import { execFileSync, spawnSync } from 'node:child_process';

/** Debian package that provides each binary the e2e tests run. */
export const SYSTEM_BINARIES: Record<string, { path: string; pkg: string }> = {
  nginx: { path: '/usr/sbin/nginx', pkg: 'nginx-light' },
  caddy: { path: '/usr/bin/caddy', pkg: 'caddy' },
  'redis-server': { path: '/usr/bin/redis-server', pkg: 'redis-server' },
  chromium: { path: '/usr/bin/chromium', pkg: 'chromium' },
  oathtool: { path: '/usr/bin/oathtool', pkg: 'oathtool' },
};

function has(binary: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${binary} || test -x ${SYSTEM_BINARIES[binary]!.path}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Makes sure every system binary is present. As root with apt, missing ones
 * are installed (apt-get update first); otherwise the suite fails naming what
 * to install. Nothing is ever skipped for a missing binary.
 */
export async function ensureSystemBinaries(): Promise<void> {
  const missing = Object.keys(SYSTEM_BINARIES).filter((b) => !has(b));
  if (missing.length === 0) return;
  const packages = missing.map((b) => SYSTEM_BINARIES[b]!.pkg);
  const canApt = process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (canApt) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
  }
  const still = Object.keys(SYSTEM_BINARIES).filter((b) => !has(b));
  if (still.length > 0) {
    throw new Error(`The e2e tests need these system packages: ${still.map((b) => SYSTEM_BINARIES[b]!.pkg).join(' ')}. Install them (apt-get install -y ${still.map((b) => SYSTEM_BINARIES[b]!.pkg).join(' ')}) and run again.`);
  }
}
