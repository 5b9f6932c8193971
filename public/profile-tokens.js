/*
 * "API tokens" on /profile: the signed-in user's own tokens for scripts and CI —
 * list, create (shown once), revoke — through /api/auth/tokens. No inline script
 * (CSP default-src 'self'); server text goes in with textContent only.
 */
(() => {
  'use strict';

  const byId = (id) => document.getElementById(id);
  const section = byId('tokens');
  if (!section) return;

  function csrfToken() {
    const input = document.querySelector('input[name="csrf"]');
    return input ? input.value : '';
  }

  /** A JSON call with the page's CSRF token; resolves to { ok, status, data, location }, never throws. */
  async function api(method, path, body) {
    const headers = { accept: 'application/json', 'x-csrf-token': csrfToken() };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      const res = await fetch(path, { method, headers, credentials: 'same-origin', cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body) });
      let data = {};
      try {
        data = (await res.json()) ?? {};
      } catch {
        data = {};
      }
      return { ok: res.ok, status: res.status, data, location: res.headers.get('location') };
    } catch {
      return { ok: false, status: 0, data: { message: 'Gatehouse could not be reached. Check your connection and try again.' }, location: null };
    }
  }

  const status = byId('token-status');

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle('error', Boolean(isError));
  }

  /** Says what went wrong; a refusal that names a place to go (step-up, enrolment) gets a link back here. */
  function sayError(result, what) {
    say(`${what}: ${result.data.message || `HTTP ${result.status}`}`, true);
    if (result.status === 403 && result.location) {
      const url = new URL(result.location, location.href);
      url.searchParams.set('rd', `${location.origin}/profile#tokens`);
      const link = document.createElement('a');
      link.href = url.href;
      link.textContent = result.data.error === 'enrol_2fa_first' ? 'Set up two-factor authentication' : 'Confirm with your second factor';
      status.append(' ', link);
    }
  }

  const when = (iso) => (iso ? new Date(iso).toLocaleString() : 'never');

  function cell(text) {
    const td = document.createElement('td');
    td.textContent = text;
    return td;
  }

  async function load() {
    const result = await api('GET', '/api/auth/tokens');
    if (!result.ok) {
      // Tokens belong to local accounts: for anyone else the section stays hidden.
      section.hidden = true;
      return;
    }
    section.hidden = false;
    const rows = byId('token-rows');
    rows.replaceChildren();
    for (const token of result.data.tokens) {
      const tr = document.createElement('tr');
      tr.dataset.token = token.id;
      tr.append(cell(token.name), cell(token.role), cell(when(token.createdAt)), cell(when(token.expiresAt)));
      const action = document.createElement('td');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'small danger';
      button.textContent = 'Revoke';
      button.setAttribute('aria-label', `Revoke token ${token.name}`);
      button.addEventListener('click', () => void revoke(token));
      action.append(button);
      tr.append(action);
      rows.append(tr);
    }
    byId('token-empty').hidden = result.data.tokens.length > 0;
  }

  async function revoke(token) {
    const result = await api('DELETE', `/api/auth/tokens/${encodeURIComponent(token.id)}`);
    if (!result.ok) return sayError(result, `Could not revoke ${token.name}`);
    say(`Revoked ${token.name}.`);
    await load();
  }

  async function create(event) {
    event.preventDefault();
    const body = { name: byId('new-token-name').value.trim() };
    if (byId('new-token-role').value) body.role = byId('new-token-role').value;
    if (byId('new-token-expires').value.trim()) body.expires = byId('new-token-expires').value.trim();
    const result = await api('POST', '/api/auth/tokens', body);
    if (!result.ok) return sayError(result, 'Could not create the token');
    event.target.reset();
    byId('new-token-value').value = result.data.token;
    byId('new-token-shown').hidden = false;
    byId('new-token-value').focus();
    byId('new-token-value').select();
    say(`Token ${result.data.name} created. It is shown once: store it now.`);
    await load();
  }

  byId('token-create').addEventListener('submit', (event) => void create(event));
  void load();
})();
