import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * @simplewebauthn/browser's UMD bundle (it defines `SimpleWebAuthnBrowser`),
 * read once from node_modules and served by Gatehouse itself: the pages load
 * nothing from elsewhere, and the CSP stays `default-src 'self'`.
 */
export function readBrowserBundle(): Buffer {
  // The package exports only its entry point; the bundle sits beside it in dist/bundle/.
  const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  let dir = dirname(entry);
  for (let i = 0; i < 4; i++) {
    try {
      return readFileSync(join(dir, 'dist', 'bundle', 'index.umd.min.js'));
    } catch {
      dir = dirname(dir);
    }
  }
  throw new Error(`@simplewebauthn/browser's dist/bundle/index.umd.min.js not found near ${entry}`);
}
