// Shared helpers of the settings page: JSON calls to Gatehouse's own API and
// the small DOM toolkit the tabs use. Every text from the server goes in
// through textContent, never innerHTML.

let csrfToken = null;

/** The page's CSRF token (GET /api/auth/csrf), sent as X-CSRF-Token on every write. */
async function csrf() {
  if (csrfToken === null) {
    const res = await fetch('/api/auth/csrf', { credentials: 'same-origin', cache: 'no-store' });
    csrfToken = (await res.json()).token;
  }
  return csrfToken;
}

/**
 * One JSON call. Resolves to { ok, status, data, location }; never throws:
 * a network failure comes back as status 0 with a message.
 */
export async function api(method, url, body) {
  const headers = { accept: 'application/json' };
  try {
    if (method !== 'GET') headers['x-csrf-token'] = await csrf();
    // Writes are JSON even without a payload: Gatehouse refuses other types (415).
    if (method !== 'GET' && method !== 'DELETE') headers['content-type'] = 'application/json';
    const res = await fetch(url, {
      method,
      headers,
      body: method === 'GET' || method === 'DELETE' ? undefined : JSON.stringify(body ?? {}),
      credentials: 'same-origin',
      cache: 'no-store',
    });
    let data = {};
    try {
      data = (await res.json()) ?? {};
    } catch {
      data = {};
    }
    return { ok: res.ok, status: res.status, data, location: res.headers.get('location') };
  } catch (error) {
    return { ok: false, status: 0, data: { error: 'network', message: `Gatehouse could not be reached (${error.message}).` }, location: null };
  }
}

export const $ = (id) => document.getElementById(id);

/** Creates an element with text and attributes; children may be nodes or strings. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') node.textContent = value;
    else if (name === 'onclick') node.addEventListener('click', value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

/** Replaces an element's children. */
export function fill(node, ...children) {
  node.replaceChildren(...children.filter((c) => c !== null && c !== undefined));
}

/** Where to come back to after a sign-in or step-up: this page (settings or profile) and tab. */
export function settingsUrl() {
  return `${location.origin}${location.pathname}${location.hash}`;
}

export function loginLink(text = 'Sign in') {
  return el('a', { href: `/login?rd=${encodeURIComponent(settingsUrl())}`, text });
}

/** The action link of a 403 that names a place to go (step-up, 2FA enrolment), coming back here after. */
function actionLink(result) {
  if (!result.location) return null;
  let url;
  try {
    url = new URL(result.location, location.origin);
  } catch {
    return null;
  }
  if (url.origin !== location.origin) return null;
  url.searchParams.set('rd', settingsUrl());
  const text = result.data.error === 'enrol_2fa_first' ? 'Set up two-factor authentication' : 'Confirm with your second factor';
  return el('a', { href: url.pathname + url.search, text });
}

/** Rules are shown as "rule 2" rather than the API's zero-based rules.1. */
function readable(message) {
  return String(message).replace(/\brules\.(\d+)/g, (_m, n) => `rule ${Number(n) + 1}`);
}

/** Shows an API error in a panel's status region: message, problems, and a link when the API gave one. */
export function showError(region, result, what) {
  const data = result.data ?? {};
  const parts = [el('p', { class: 'error', text: `${what ? `${what}: ` : ''}${readable(data.message ?? `request failed (HTTP ${result.status})`)}` })];
  if (Array.isArray(data.problems) && data.problems.length > 0) parts.push(el('ul', { class: 'problems' }, ...data.problems.map((p) => el('li', { text: readable(p) }))));
  if (result.status === 403 && (data.error === 'step_up_required' || data.error === 'enrol_2fa_first')) {
    const link = actionLink(result);
    if (link) parts.push(el('p', {}, link, ' then try again.'));
  }
  if (result.status === 401) parts.push(el('p', {}, 'Your session is not valid under the current mode. ', loginLink('Sign in again'), '.'));
  fill(region, ...parts);
  region.classList.add('has-error');
}

export function showNotice(region, text) {
  fill(region, el('p', { class: 'notice', text }));
  region.classList.remove('has-error');
}

export function clearStatus(region) {
  fill(region);
  region.classList.remove('has-error');
}

/** A date the way the page shows it: local time, to the second. */
export function when(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** "a, b ,c" → ["a","b","c"]; empty → []. */
export function list(text) {
  return String(text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * A button that asks for a second click before a destructive action; the
 * label says what the second click does, so screen readers hear it too.
 */
export function confirmButton(button, label, confirmLabel, action) {
  let armed = false;
  let timer;
  const reset = () => {
    armed = false;
    button.textContent = label;
    button.classList.remove('armed');
  };
  button.textContent = label;
  button.addEventListener('click', async () => {
    if (!armed) {
      armed = true;
      button.textContent = confirmLabel;
      button.classList.add('armed');
      clearTimeout(timer);
      timer = setTimeout(reset, 8000);
      return;
    }
    clearTimeout(timer);
    reset();
    await action();
  });
  return reset;
}
