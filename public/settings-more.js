// The smaller tabs: OIDC, API tokens, security settings, audit log.
import { $, api, clearStatus, el, fill, list, showError, showNotice, when } from './settings-api.js';

// ------------------------------------------------------------------ OIDC

const oidcStatus = () => $('oidc-status');

const PROVIDER_STATES = {
  not_configured: 'No OpenID provider is set up yet.',
  inactive: 'Provider saved; not in use in this mode.',
  discovering: 'Provider: discovery in progress…',
  ready: 'Provider: discovered and in use.',
  unreachable: 'Provider: not reachable.',
};

/** The form, from saved settings (the secret only as "one is stored"). */
function fillOidcForm(s) {
  $('oidc-issuer').value = s.issuerUrl;
  $('oidc-client-id').value = s.clientId;
  $('oidc-client-secret').value = '';
  $('oidc-client-secret').disabled = false;
  $('oidc-secret-clear').checked = false;
  $('oidc-secret-clear').disabled = !s.clientSecretSet;
  $('oidc-secret-state').textContent = s.clientSecretSet
    ? 'A client secret is stored (it is never shown). Type a new one to replace it.'
    : 'No client secret is stored: Gatehouse signs in as a public client.';
  $('oidc-scopes').value = s.scopes.join(', ');
  $('oidc-claim').value = s.adminGroupClaim;
  $('oidc-admin-groups').value = s.adminGroupValues.join(', ');
  $('oidc-editor-groups').value = s.editorGroupValues.join(', ');
  $('oidc-fallback').value = s.fallbackRole;
  $('oidc-local-admins').checked = s.allowLocalAdmins;
}

/** Callback URL, provider status and what the switch to oauth2 still needs. */
function fillOidcState(data) {
  $('oidc-callback').value = data.callbackUrl;
  $('oidc-callback-warning').textContent = data.callbackWarning ?? '';
  $('oidc-callback-warning').hidden = !data.callbackWarning;

  const p = data.provider;
  const state = PROVIDER_STATES[p.state] ?? p.state;
  $('oidc-provider-state').textContent = p.message && p.message !== state ? `${state} ${p.message}` : state;
  const r = data.readiness;
  fill(
    $('oidc-readiness'),
    el('li', { text: `Discovery: ${r.discovered ? 'succeeded' : 'not tried successfully yet'}` }),
    el('li', { text: `Test sign-in: ${r.testLogin ? `completed as ${r.testLoginUser}` : 'not completed yet'}` }),
    data.mode === 'oauth2' ? null : el('li', { text: `Switch to oauth2: ${r.switchProblem ? `not yet — ${r.switchProblem}` : 'ready'}` }),
  );
  // a.button sets display, which beats [hidden] on the link itself: hide its paragraph.
  $('oidc-test-link').hidden = !data.configured;
  $('oidc-test').href = data.testSignInUrl;
  $('oidc-test-note').hidden = data.configured;
}

function fillOidc(data) {
  fillOidcForm(data.settings);
  fillOidcState(data);
}

export async function loadOidc() {
  const result = await api('GET', '/api/admin/oidc');
  if (!result.ok) return showError(oidcStatus(), result, 'Could not load the OIDC settings');
  fillOidc(result.data);
}

/** The form's mapping fields, as the API takes them. */
function mappingFromForm() {
  return {
    adminGroupClaim: $('oidc-claim').value.trim(),
    adminGroupValues: list($('oidc-admin-groups').value),
    editorGroupValues: list($('oidc-editor-groups').value),
    fallbackRole: $('oidc-fallback').value,
  };
}

async function saveOidc(event) {
  event.preventDefault();
  const body = {
    issuerUrl: $('oidc-issuer').value.trim(),
    clientId: $('oidc-client-id').value.trim(),
    scopes: list($('oidc-scopes').value),
    ...mappingFromForm(),
    allowLocalAdmins: $('oidc-local-admins').checked,
  };
  // Write-only: an empty field keeps the stored secret; the checkbox removes it.
  if ($('oidc-secret-clear').checked) body.clientSecret = null;
  else if ($('oidc-client-secret').value !== '') body.clientSecret = $('oidc-client-secret').value;
  const result = await api('PUT', '/api/admin/oidc', body);
  // Never leave a typed secret in the page longer than needed.
  $('oidc-client-secret').value = '';
  if (!result.ok) return showError(oidcStatus(), result, 'The OIDC settings were not saved');
  fillOidc(result.data);
  showNotice(oidcStatus(), 'OIDC settings saved.');
}

function discoveryResult(data) {
  if (!data.ok) {
    return [
      el('p', { class: 'error', text: `Discovery failed (${data.reason}): ${data.message}` }),
      data.saved ? null : el('p', { class: 'sub', text: 'These settings are not saved yet.' }),
    ];
  }
  const e = data.endpoints;
  const row = (term, value) => [el('dt', { text: term }), el('dd', { text: value ?? 'not offered' })];
  return [
    el('p', { class: 'notice', text: `Discovery succeeded: ${data.issuer}` }),
    data.saved ? null : el('p', { class: 'sub', text: 'These settings are not saved yet: save them, then test again so it counts for the switch to oauth2.' }),
    el(
      'dl',
      { class: 'kv' },
      ...row('Authorization endpoint', e.authorization),
      ...row('Token endpoint', e.token),
      ...row('Userinfo endpoint', e.userinfo),
      ...row('JWKS', e.jwks),
      ...row('Pushed authorization requests (PAR)', data.par.supported ? `supported${data.par.required ? ' (required)' : ''}: ${e.pushedAuthorizationRequest}` : null),
      ...row('Sign-out at the provider (end_session_endpoint)', data.endSessionEndpoint),
    ),
    data.warnings.length ? el('ul', { class: 'problems' }, ...data.warnings.map((w) => el('li', { text: w }))) : null,
  ];
}

async function testDiscovery() {
  const region = $('oidc-discovery-result');
  const body = {};
  if ($('oidc-issuer').value.trim()) body.issuerUrl = $('oidc-issuer').value.trim();
  if ($('oidc-client-id').value.trim()) body.clientId = $('oidc-client-id').value.trim();
  fill(region, el('p', { text: 'Asking the provider…' }));
  const result = await api('POST', '/api/admin/oidc/discovery', body);
  if (!result.ok) return showError(region, result, 'Discovery could not run');
  region.classList.remove('has-error');
  fill(region, ...discoveryResult(result.data));
  // The readiness list and provider state may have changed; the form keeps what was typed.
  const fresh = await api('GET', '/api/admin/oidc');
  if (fresh.ok) fillOidcState(fresh.data);
}

async function previewMapping(event) {
  event.preventDefault();
  const region = $('oidc-preview-result');
  let claims;
  try {
    claims = JSON.parse($('oidc-claims').value);
  } catch (error) {
    fill(region, el('p', { class: 'error', text: `The sample claims are not valid JSON: ${error.message}` }));
    region.classList.add('has-error');
    return;
  }
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) {
    fill(region, el('p', { class: 'error', text: 'The sample claims must be a JSON object, like {"sub": "u1", "groups": ["admins"]}.' }));
    region.classList.add('has-error');
    return;
  }
  const body = { claims };
  if ($('oidc-preview-unsaved').checked) body.mapping = mappingFromForm();
  const result = await api('POST', '/api/admin/oidc/preview', body);
  if (!result.ok) return showError(region, result, 'The preview failed');
  region.classList.remove('has-error');
  const d = result.data;
  const parts = [
    el('p', { class: d.role === 'denied' ? 'decision-deny' : 'decision-allow' }, el('strong', { text: d.role === 'denied' ? 'Denied' : `Role: ${d.role}` }), ` — ${d.message}`),
    el('p', { class: 'sub', text: `Groups read from "${d.claim}": ${d.groups.length ? d.groups.join(', ') : '(none)'} · mapping: ${d.mappingSource}` }),
  ];
  if (d.principal) {
    parts.push(
      el(
        'dl',
        { class: 'kv' },
        el('dt', { text: 'Remote-User' }),
        el('dd', { text: d.principal.username }),
        el('dt', { text: 'Remote-Groups' }),
        el('dd', { text: d.principal.groups.join(',') }),
        el('dt', { text: 'Remote-Email' }),
        el('dd', { text: d.principal.email ?? '(none)' }),
        el('dt', { text: 'Remote-Name' }),
        el('dd', { text: d.principal.name ?? '(none)' }),
      ),
    );
  }
  fill(region, ...parts);
}

async function copyCallback() {
  const input = $('oidc-callback');
  input.focus();
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
    showNotice(oidcStatus(), 'Callback URL copied.');
  } catch {
    showNotice(oidcStatus(), 'Copying was not allowed here: the URL is selected, press Ctrl+C (⌘C) to copy it.');
  }
}

$('oidc-form').addEventListener('submit', saveOidc);
$('oidc-discover').addEventListener('click', () => void testDiscovery());
$('oidc-preview-form').addEventListener('submit', previewMapping);
$('oidc-callback-copy').addEventListener('click', () => void copyCallback());
$('oidc-secret-clear').addEventListener('change', () => {
  $('oidc-client-secret').disabled = $('oidc-secret-clear').checked;
});

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
  // `complete` false: a large log was read only as far as this page, and `total` counts what was read.
  const { events, total, complete = true, page, pageSize } = result.data;
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
  $('audit-page').textContent = complete ? `Page ${page} of ${pages} (${total} event${total === 1 ? '' : 's'})` : `Page ${page} (more than ${total - 1} events)`;
  $('audit-prev').disabled = page <= 1;
  $('audit-next').disabled = complete && page >= pages;
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
