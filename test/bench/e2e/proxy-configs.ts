/**
 * Whole nginx and Caddy configs for the e2e bench: the test harness's frame around README's
 * snippet (rendered for the bench's ports), plus two sites the comparison needs:
 *
 * - `noauth.example.com`: the same app proxied with no check at all;
 * - a responder on its own port that answers every request 204, the proxy answering the check
 *   itself. Pointed at it instead of Gatehouse, README's snippet measures the most
 *   `auth_request` / `forward_auth` could give.
 *
 * Every auth case (the responder, bare Fastify, Gatehouse) runs README's snippet unchanged
 * but for the address of `gatehouse`, so all are wired alike: whatever keepalive README
 * configures, each of them gets it.
 */
import { readFile } from 'node:fs/promises';
import { CADDY_TEMPLATE, NGINX_TEMPLATE, renderTemplate } from '../../support/proxies.js';

/** Where a harness template takes the site configuration. */
const SITE_CONFIG = '{{SITE_CONFIG}}';
import { renderCaddySnippet, renderNginxSnippet, type SnippetPorts } from './readme-snippets.js';

export const NO_AUTH_HOST = 'noauth.example.com';

export interface ConfigPorts extends SnippetPorts {
  /** Where the 204 responder listens. */
  readonly responder: number;
}

/** The template's lines around its `{{SITE_CONFIG}}` line, comments dropped (they name placeholders): the harness settings around README's part. */
async function frame(template: string): Promise<{ before: string; after: string }> {
  const lines = (await readFile(template, 'utf8')).split('\n');
  const at = lines.findIndex((line) => line.trim() === SITE_CONFIG);
  if (at === -1) throw new Error(`${template} lacks its ${SITE_CONFIG} line`);
  const settings = (part: string[]) => part.filter((line) => !line.trim().startsWith('#')).join('\n');
  return { before: settings(lines.slice(0, at)), after: settings(lines.slice(at + 1)) };
}

const indent = (text: string, by: string) => text.split('\n').map((line) => (line.trim() === '' ? '' : `${by}${line}`)).join('\n');

export async function nginxConfig(readmeBlock: string, prefix: string, ports: ConfigPorts): Promise<string> {
  const { before, after } = await frame(NGINX_TEMPLATE);
  const extra = `
# Bench only: the app with no check, and the proxy answering the check itself.
server {
    listen 127.0.0.1:${ports.listen};
    server_name ${NO_AUTH_HOST};

    location / {
        proxy_set_header Host              $http_host;
        proxy_set_header X-Forwarded-For   $remote_addr;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_pass http://127.0.0.1:${ports.upstream};
    }
}

server {
    listen 127.0.0.1:${ports.responder};
    access_log off;

    location / {
        return 204;
    }
}
`;
  const body = `${renderNginxSnippet(readmeBlock, ports)}\n${extra}`;
  return renderTemplate(`${before}\n${indent(body, '    ')}\n${after}`, { PREFIX: prefix });
}

export async function caddyConfig(readmeBlock: string, ports: ConfigPorts): Promise<string> {
  const { before, after } = await frame(CADDY_TEMPLATE);
  // The responder has no host in its address: forward_auth keeps the client's Host header.
  const extra = `
# Bench only: the app with no check, and the proxy answering the check itself.
http://${NO_AUTH_HOST}:${ports.listen} {
	reverse_proxy 127.0.0.1:${ports.upstream}
}

http://:${ports.responder} {
	respond 204
}
`;
  return `${before}\n${renderCaddySnippet(readmeBlock, ports)}\n${extra}\n${after}`;
}
