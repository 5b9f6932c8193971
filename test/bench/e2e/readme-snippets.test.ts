/**
 * bench:e2e measures README's own proxy snippets: these tests hold that every example
 * address is replaced by a bench port (so no case quietly asks `gatehouse:9092`), that only
 * the auth server's address differs between cases, and that a snippet of another shape
 * stops the bench instead of being measured half-rendered.
 */
import { describe, expect, it } from 'vitest';
import { caddyConfig, nginxConfig } from './proxy-configs.js';
import { readmeBlock, renderCaddySnippet, renderNginxSnippet } from './readme-snippets.js';

const PORTS = { listen: 40001, auth: 40002, upstream: 40003, responder: 40004 };
const EXAMPLES = ['gatehouse:9092', 'app:8080', 'listen 80;'];

describe('README snippets as bench:e2e runs them', () => {
  it('renders the nginx snippet with the bench ports and no example address left', async () => {
    const config = await nginxConfig(await readmeBlock('nginx'), '/tmp/prefix', PORTS);
    for (const example of EXAMPLES) expect(config).not.toContain(example);
    expect(config).toContain('server 127.0.0.1:40002;');
    expect(config).toContain('proxy_pass http://127.0.0.1:40003;');
    expect(config).toContain('listen 127.0.0.1:40001;');
    expect(config).toContain('proxy_pass http://gatehouse/api/authz/auth-request;');
    expect(config).not.toMatch(/\{\{[A-Z_]+\}\}/);
  });

  it('renders the Caddy snippet with the bench ports and plain-http site addresses', async () => {
    const config = await caddyConfig(await readmeBlock('caddyfile'), PORTS);
    for (const example of EXAMPLES) expect(config).not.toContain(example);
    expect(config).toMatch(/^http:\/\/app\.example\.com:40001 \{$/m);
    expect(config).toMatch(/^http:\/\/auth\.example\.com:40001 \{$/m);
    expect(config).toContain('forward_auth 127.0.0.1:40002 {');
  });

  it('changes nothing but the addresses between the auth servers it compares', async () => {
    const block = await readmeBlock('nginx');
    const a = renderNginxSnippet(block, PORTS);
    const b = renderNginxSnippet(block, { ...PORTS, auth: 40009 });
    expect(a.replaceAll('40002', 'AUTH')).toBe(b.replaceAll('40009', 'AUTH'));
  });

  it('refuses a snippet it does not recognise rather than measuring it half-rendered', () => {
    expect(() => renderNginxSnippet('upstream gatehouse { server gatehouse:9092; }', PORTS)).toThrow(/listen 80/);
    expect(() => renderCaddySnippet('app.example.com {\n}\nauth.example.com {\n}\n', PORTS)).toThrow(/gatehouse:9092/);
  });
});
