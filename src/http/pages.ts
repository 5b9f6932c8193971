import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** public/ sits at the project root, both from src/ (tsx, vitest) and from dist/src/ (built). */
function findPublicDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'public');
    try {
      readFileSync(join(candidate, 'layout.html'));
      return candidate;
    } catch {
      dir = resolve(dir, '..');
    }
  }
  throw new Error('public/ directory with layout.html not found');
}

export const PUBLIC_DIR = findPublicDir();

const templates = new Map<string, string>();

function template(name: string): string {
  let text = templates.get(name);
  if (text === undefined) {
    text = readFileSync(join(PUBLIC_DIR, `${name}.html`), 'utf8');
    templates.set(name, text);
  }
  return text;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Raw HTML that `render` inserts without escaping. Only build it from escaped parts. */
export class Html {
  constructor(readonly value: string) {}
}

/** Fills `{{name}}` placeholders: strings are escaped, Html is inserted as is, missing ones become empty. */
export function render(name: string, vars: Record<string, string | Html | undefined>): string {
  return template(name).replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = vars[key];
    if (value === undefined) return '';
    return value instanceof Html ? value.value : escapeHtml(value);
  });
}

const OPEN_BANNER = new Html(
  '<div class="banner danger" role="alert"><strong>Open mode:</strong> Gatehouse is not checking anyone. Every visitor is an administrator. Switch to another mode in <a href="/settings#mode">Settings</a> before exposing it.</div>',
);

/** A whole page: the layout around a named body template. */
export function page(title: string, body: string, vars: Record<string, string | Html | undefined>, options: { openMode: boolean }): string {
  return render('layout', {
    title,
    // The home page is titled "Gatehouse" already: no "Gatehouse · Gatehouse".
    documentTitle: title === 'Gatehouse' ? title : `${title} · Gatehouse`,
    banner: options.openMode ? OPEN_BANNER : undefined,
    content: new Html(render(body, vars)),
  });
}
