// The smaller tabs: OIDC (read-only), API tokens, security settings, audit log.
import { $, api, clearStatus, el, fill, list, showError, showNotice, when } from './settings-api.js';

// ------------------------------------------------------------------ OIDC

export async function loadOidc() {
  // No admin route for the provider settings may exist yet: then the note stays.
  const result = await api('GET', '/api/admin/oidc');
  const box = $('oidc-settings');
  if (result.status === 404) {
    box.hidden = true;
    return;
  }
  if (!result.ok) return showError($('oidc-status'), result, 'Could not load the OIDC settings');
  const rows = Object.entries(result.data).flatMap(([key, value]) => [el('dt', { text: key }), el('dd', { text: typeof value === 'string' ? value : JSON.stringify(value) })]);
  fill(box, ...rows);
  box.hidden = false;
}

// ------------------------------------------------------------------ API tokens

const tokenStatus = () => $('tokens-status');
let local = null;

async function isLocalAccount() {
  if (local === null) {
    const result = await api('GET', '/api/auth/status');
    local = result.ok && result.data.mfa !== null;
  }
  return local;
}

export async function loadTokens() {
  const result = await api('GET', '/api/admin/tokens');
  if (!result.ok) return showError(tokenStatus(), result, 'Could not load tokens');
  const tokens = result.data.tokens;
  fill(
    $('tokens-rows'),
    ...(tokens.length
      ? tokens.map((t) =>
          el(
            'tr',
            { 'data-token': t.id },
            el('td', { text: t.name }),
            el('td', { text: t.user }),
            el('td', { text: t.role }),
            el('td', { text: when(t.createdAt) }),
            el('td', { text: t.expiresAt ? when(t.expiresAt) : 'never' }),
            el('td', {}, el('button', { type: 'button', class: 'small danger', 'aria-label': `Revoke token ${t.name} of ${t.user}`, text: 'Revoke', onclick: () => revoke(t) })),
          ),
        )
      : [el('tr', {}, el('td', { colspan: '6', text: 'No API tokens.' }))]),
  );
  const form = $('token-form');
  const canCreate = await isLocalAccount();
  for (const control of form.elements) control.disabled = !canCreate;
  if (!canCreate) showNotice(tokenStatus(), 'API tokens belong to local accounts: sign in with one to create yours.');
}

async function revoke(token) {
  const result = await api('DELETE', `/api/admin/tokens/${encodeURIComponent(token.id)}`);
  if (!result.ok) return showError(tokenStatus(), result, `Could not revoke ${token.name}`);
  showNotice(tokenStatus(), `Revoked ${token.name} (${token.user}).`);
  await loadTokens();
}

async function createToken(event) {
  event.preventDefault();
  const body = { name: $('token-name').value.trim() };
  if ($('token-role').value) body.role = $('token-role').value;
  if ($('token-expires').value.trim()) body.expires = $('token-expires').value.trim();
  const domains = list($('token-domains').value);
  if (domains.length) body.domains = domains;
  const result = await api('POST', '/api/auth/tokens', body);
  if (!result.ok) return showError(tokenStatus(), result, 'Could not create the token');
  event.target.reset();
  $('token-value').value = result.data.token;
  $('token-shown').hidden = false;
  $('token-value').focus();
  $('token-value').select();
  showNotice(tokenStatus(), `Token ${result.data.name} created. It is shown once: store it now.`);
  await loadTokens();
}

$('token-form').addEventListener('submit', createToken);

// ------------------------------------------------------------------ security

const securityStatus = () => $('security-status');

function fillSecurity(s) {
  $('sec-tfa-admin').checked = s.requireTfaForAdmin;
  $('sec-stepup').value = s.stepUpWindow;
  $('sec-retries').value = String(s.regulation.maxRetries);
  $('sec-findtime').value = s.regulation.findTime;
  $('sec-bantime').value = s.regulation.banTime;
  $('sec-ttl').value = s.session.ttl;
  $('sec-idle').value = s.session.idle;
}

export async function loadSecurity() {
  const result = await api('GET', '/api/admin/security');
  if (!result.ok) return showError(securityStatus(), result, 'Could not load the security settings');
  fillSecurity(result.data);
}

async function saveSecurity(event) {
  event.preventDefault();
  const body = {
    requireTfaForAdmin: $('sec-tfa-admin').checked,
    stepUpWindow: $('sec-stepup').value.trim(),
    regulation: { maxRetries: Number($('sec-retries').value), findTime: $('sec-findtime').value.trim(), banTime: $('sec-bantime').value.trim() },
    session: { ttl: $('sec-ttl').value.trim(), idle: $('sec-idle').value.trim() },
  };
  const result = await api('PUT', '/api/admin/security', body);
  if (!result.ok) return showError(securityStatus(), result, 'The security settings were not saved');
  fillSecurity(result.data);
  showNotice(securityStatus(), 'Security settings saved.');
}

$('security-form').addEventListener('submit', saveSecurity);

// ------------------------------------------------------------------ audit log

const PAGE_SIZE = 25;
let auditPage = 1;

function auditQuery() {
  const params = new URLSearchParams({ page: String(auditPage), pageSize: String(PAGE_SIZE) });
  for (const name of ['user', 'event']) {
    const value = $(`audit-${name}`).value.trim();
    if (value) params.set(name, value);
  }
  for (const name of ['since', 'until']) {
    const value = $(`audit-${name}`).value;
    // datetime-local is the browser's local time; the API wants an absolute instant.
    if (value) params.set(name, new Date(value).toISOString());
  }
  return params;
}

function details(event) {
  return Object.entries(event.details ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

export async function loadAudit() {
  const result = await api('GET', `/api/admin/audit?${auditQuery()}`);
  const region = $('audit-status');
  if (!result.ok) return showError(region, result, 'Could not load the audit log');
  clearStatus(region);
  const { events, total, page, pageSize } = result.data;
  fill(
    $('audit-rows'),
    ...(events.length
      ? events.map((e) =>
          el(
            'tr',
            { 'data-event': e.event, class: e.outcome === 'failure' ? 'failure' : undefined },
            el('td', {}, el('time', { datetime: e.time, text: when(e.time) })),
            el('td', { text: e.event }),
            el('td', { text: e.actor }),
            el('td', { text: e.target ?? '' }),
            el('td', { text: e.ip ?? '' }),
            el('td', { text: details(e) }),
          ),
        )
      : [el('tr', {}, el('td', { colspan: '6', text: 'No events match.' }))]),
  );
  const pages = Math.max(1, Math.ceil(total / pageSize));
  $('audit-page').textContent = `Page ${page} of ${pages} (${total} event${total === 1 ? '' : 's'})`;
  $('audit-prev').disabled = page <= 1;
  $('audit-next').disabled = page >= pages;
}

$('audit-form').addEventListener('submit', (event) => {
  event.preventDefault();
  auditPage = 1;
  void loadAudit();
});
$('audit-prev').addEventListener('click', () => {
  auditPage = Math.max(1, auditPage - 1);
  void loadAudit();
});
$('audit-next').addEventListener('click', () => {
  auditPage += 1;
  void loadAudit();
});
