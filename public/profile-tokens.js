// "API tokens" on /profile: the signed-in user's own tokens for scripts and CI — list,
// create (shown once), revoke — through /api/auth/tokens, with the settings page's API
// helpers. No inline script (CSP default-src 'self'); server text goes in as text only.
import { $, api, el, fill, showError, showNotice, when } from './settings-api.js';

const section = $('tokens');
const status = $('token-status');

async function load() {
  const result = await api('GET', '/api/auth/tokens');
  // Tokens belong to local accounts: for anyone else the section stays hidden.
  section.hidden = !result.ok;
  if (!result.ok) return;
  const tokens = result.data.tokens;
  fill(
    $('token-rows'),
    ...tokens.map((t) =>
      el(
        'tr',
        { 'data-token': t.id },
        el('td', { text: t.name }),
        el('td', { text: t.role }),
        el('td', { text: when(t.createdAt) }),
        el('td', { text: t.expiresAt ? when(t.expiresAt) : 'never' }),
        el('td', {}, el('button', { type: 'button', class: 'small danger', 'aria-label': `Revoke token ${t.name}`, text: 'Revoke', onclick: () => void revoke(t) })),
      ),
    ),
  );
  $('token-empty').hidden = tokens.length > 0;
}

async function revoke(token) {
  const result = await api('DELETE', `/api/auth/tokens/${encodeURIComponent(token.id)}`);
  if (!result.ok) return showError(status, result, `Could not revoke ${token.name}`);
  showNotice(status, `Revoked ${token.name}.`);
  await load();
}

async function create(event) {
  event.preventDefault();
  const body = { name: $('new-token-name').value.trim() };
  if ($('new-token-role').value) body.role = $('new-token-role').value;
  if ($('new-token-expires').value.trim()) body.expires = $('new-token-expires').value.trim();
  const result = await api('POST', '/api/auth/tokens', body);
  if (!result.ok) return showError(status, result, 'Could not create the token');
  event.target.reset();
  $('new-token-value').value = result.data.token;
  $('new-token-shown').hidden = false;
  $('new-token-value').focus();
  $('new-token-value').select();
  showNotice(status, `Token ${result.data.name} created. It is shown once: store it now.`);
  await load();
}

$('token-create').addEventListener('submit', (event) => void create(event));
void load();
