import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { PUBLIC_DIR } from '../http/pages.js';

const TYPES: Record<string, string> = { css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8', svg: 'image/svg+xml' };
// An allow-list, read once: nothing outside it is ever served from disk.
const ASSETS = ['style.css', 'settings.js', 'settings-api.js', 'settings-mode.js', 'settings-users.js', 'settings-rules.js', 'settings-more.js', 'settings-proxy.js', 'passkeys.js', 'profile-tokens.js'];

export function assetRoutes(app: FastifyInstance): void {
  for (const name of ASSETS) {
    const body = readFileSync(join(PUBLIC_DIR, name));
    const type = TYPES[name.split('.').pop()!] ?? 'application/octet-stream';
    app.get(`/assets/${name}`, (_request, reply) => reply.header('content-type', type).header('cache-control', 'public, max-age=3600').send(body));
  }
}
