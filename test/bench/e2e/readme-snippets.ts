/**
 * The proxy configs README.md shows, read from README.md itself at run time: the bench
 * measures exactly what a reader copies. README shows them with example addresses
 * (`gatehouse:9092`, `app:8080`, `listen 80`, sites `app.example.com` and `auth.example.com`);
 * `renderNginxSnippet` and `renderCaddySnippet` put the bench's loopback ports in their place.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from '../bench-kit.js';

/** BENCH_E2E_README measures another copy of README.md (say, a snippet being tried out). */
export const README_FILE = process.env.BENCH_E2E_README || join(ROOT, 'README.md');

/** The example values README.md's snippets use (the same ones test/e2e/readme-snippets.test.ts renders). */
const EXAMPLE = { gatehouse: 'gatehouse:9092', upstream: 'app:8080', appHost: 'app.example.com', portalHost: 'auth.example.com' } as const;
export const APP_HOST = EXAMPLE.appHost;
export const PORTAL_HOST = EXAMPLE.portalHost;

export interface SnippetPorts {
  /** Where the proxy listens (127.0.0.1). */
  readonly listen: number;
  /** The auth server the snippet's `gatehouse` points at: Gatehouse, or a stand-in for the comparison. */
  readonly auth: number;
  readonly upstream: number;
}

/** The one fenced block of `fence` in README's proxies section (between `<!-- proxies:start -->` and `<!-- proxies:end -->`). */
export async function readmeBlock(fence: 'nginx' | 'caddyfile'): Promise<string> {
  const text = await readFile(README_FILE, 'utf8');
  const start = text.indexOf('<!-- proxies:start -->');
  const end = text.indexOf('<!-- proxies:end -->');
  if (start === -1 || end <= start) throw new Error(`${README_FILE} has no <!-- proxies:start --> … <!-- proxies:end --> section`);
  const blocks = [...text.slice(start, end).matchAll(new RegExp(`^\`\`\`${fence}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))];
  if (blocks.length !== 1) throw new Error(`${README_FILE}'s proxies section has ${blocks.length} \`\`\`${fence} blocks, expected 1`);
  return blocks[0]![1]!;
}

/** Replaces every match of `pattern`, and throws when there is none: README's snippet no longer has the shape the bench knows. */
function replaceAll(text: string, pattern: RegExp, by: string, what: string): string {
  if (!pattern.global) throw new Error('replaceAll needs a global pattern');
  if (!pattern.test(text)) throw new Error(`README's snippet has no ${what} (${pattern}) to point at the bench's servers`);
  pattern.lastIndex = 0;
  return text.replace(pattern, by);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** README's nginx snippet with the bench's ports: `listen`, the `gatehouse` upstream and the app. */
export function renderNginxSnippet(block: string, ports: SnippetPorts): string {
  let text = replaceAll(block, /\blisten 80;/g, `listen 127.0.0.1:${ports.listen};`, 'listen 80');
  text = replaceAll(text, new RegExp(`\\b${escape(EXAMPLE.gatehouse)}\\b`, 'g'), `127.0.0.1:${ports.auth}`, EXAMPLE.gatehouse);
  return replaceAll(text, new RegExp(`\\b${escape(EXAMPLE.upstream)}\\b`, 'g'), `127.0.0.1:${ports.upstream}`, EXAMPLE.upstream);
}

/** README's Caddyfile snippet with the bench's ports: the two sites become `http://<host>:<port>`. */
export function renderCaddySnippet(block: string, ports: SnippetPorts): string {
  let text = block;
  for (const host of [EXAMPLE.appHost, EXAMPLE.portalHost]) {
    text = replaceAll(text, new RegExp(`^${escape(host)}(?= \\{$)`, 'gm'), `http://${host}:${ports.listen}`, `site ${host}`);
  }
  text = replaceAll(text, new RegExp(`\\b${escape(EXAMPLE.gatehouse)}\\b`, 'g'), `127.0.0.1:${ports.auth}`, EXAMPLE.gatehouse);
  return replaceAll(text, new RegExp(`\\b${escape(EXAMPLE.upstream)}\\b`, 'g'), `127.0.0.1:${ports.upstream}`, EXAMPLE.upstream);
}
