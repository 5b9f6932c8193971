// Auth mode tab: the mode in force, what each means, a preflight before every
// switch, commit-confirm of a pending switch, and the instance token.
import { $, api, clearStatus, el, fill, loginLink, showError, showNotice, when } from './settings-api.js';

const status = () => $('mode-status');
let pending = null;
let countdown;

function showPending(next, signedIn) {
  pending = next;
  clearInterval(countdown);
  const box = $('mode-pending');
  box.hidden = !pending;
  if (!pending) return;
  $('mode-signin').href = `/login?rd=${encodeURIComponent(`${location.origin}/settings#mode`)}`;
  $('mode-signin').hidden = signedIn;
  const render = () => {
    const left = Math.max(0, Math.round((Date.parse(pending.deadline) - Date.now()) / 1000));
    $('mode-pending-text').textContent =
      `${pending.by} switched from ${pending.from} to ${pending.to} at ${when(pending.at)}. ` +
      `Confirm before ${when(pending.deadline)} (${left} s left), or Gatehouse switches back to ${pending.from} by itself.`;
    if (left === 0) {
      clearInterval(countdown);
      // The deadline passed: see whether it was rolled back.
      setTimeout(() => void loadMode(), 1500);
    }
  };
  render();
  countdown = setInterval(render, 1000);
}

function showSessionProblem(result) {
  const box = $('session-problem');
  if (result.status !== 401) {
    box.hidden = true;
    return;
  }
  fill(
    box,
    el('p', {}, 'You are not signed in under the mode now in force. ', loginLink('Sign in'), pending ? ' and confirm the switch below.' : '.'),
  );
  box.hidden = false;
}

export async function loadMode() {
  const result = await api('GET', '/api/admin/mode');
  showSessionProblem(result);
  if (!result.ok) {
    // Not signed in under the mode now in force (just after a switch): the callout above says what to do.
    if (result.status === 401) return showPending(pending, false);
    return showError(status(), result, 'Could not load the mode');
  }
  const { mode, modes, pending: next } = result.data;
  $('mode-current').textContent = mode;
  document.getElementById('settings').dataset.mode = mode;
  fill(
    $('mode-descriptions'),
    ...Object.entries(modes).flatMap(([name, text]) => [el('dt', { class: name === mode ? 'current' : undefined, text: name === mode ? `${name} (in force)` : name }), el('dd', { text })]),
  );
  showPending(next, true);
  const select = $('mode-select');
  if (select.value === mode) select.value = [...select.options].find((o) => o.value !== mode).value;
  syncOpenConfirm();
  void loadInstanceToken();
}

async function loadInstanceToken() {
  const result = await api('GET', '/api/admin/tokens');
  if (!result.ok) return;
  const token = result.data.instanceToken;
  $('instance-token-state').textContent = token
    ? `An instance token exists${token.createdAt ? ` (created ${when(token.createdAt)})` : ''}. Creating a new one replaces it.`
    : 'No instance token yet: token mode needs one.';
  $('instance-token-create').textContent = token ? 'Replace instance token' : 'Create instance token';
}

function syncOpenConfirm() {
  $('mode-open-confirm').hidden = $('mode-select').value !== 'open';
}

function switchBody() {
  const mode = $('mode-select').value;
  const confirmation = $('mode-confirmation').value.trim();
  return mode === 'open' && confirmation !== '' ? { mode, confirmation } : { mode };
}

async function preflight(event) {
  event.preventDefault();
  clearStatus(status());
  const body = switchBody();
  const box = $('mode-preflight-result');
  box.hidden = true;
  const result = await api('POST', '/api/admin/mode/preflight', body);
  if (!result.ok) {
    box.hidden = true;
    return showError(status(), result, 'The check failed');
  }
  const { allowed, problems, effects } = result.data;
  $('mode-preflight-title').textContent = allowed ? `Switching to ${body.mode} is possible.` : `Switching to ${body.mode} is refused:`;
  fill($('mode-problems'), ...problems.map((p) => el('li', { text: p })));
  fill($('mode-effects'), ...effects.map((e) => el('li', { text: e })));
  const go = $('mode-switch');
  go.hidden = !allowed;
  go.textContent = `Switch to ${body.mode} now`;
  go.dataset.body = JSON.stringify(body);
  box.hidden = false;
  (allowed ? go : $('mode-preflight-title')).focus?.();
}

async function doSwitch() {
  const body = JSON.parse($('mode-switch').dataset.body ?? '{}');
  const result = await api('POST', '/api/admin/mode', body);
  if (!result.ok) return showError(status(), result, 'The switch was refused');
  $('mode-preflight-result').hidden = true;
  $('mode-confirmation').value = '';
  const p = result.data.pending;
  showNotice(status(), `Switched to ${p.to}. Sign in under ${p.to} mode and confirm before ${when(p.deadline)}, or Gatehouse switches back to ${p.from}.`);
  pending = p;
  await loadMode();
}

async function confirmSwitch() {
  const result = await api('POST', '/api/admin/mode/confirm', {});
  if (!result.ok) return showError(status(), result, 'Could not confirm');
  showNotice(status(), `The switch to ${result.data.mode} is confirmed.`);
  pending = null;
  await loadMode();
}

async function createInstanceToken() {
  const result = await api('POST', '/api/admin/instance-token', {});
  if (!result.ok) return showError(status(), result, 'Could not create the instance token');
  $('instance-token-value').value = result.data.token;
  $('instance-token-shown').hidden = false;
  $('instance-token-value').focus();
  $('instance-token-value').select();
  showNotice(status(), 'Instance token created. It is shown once: store it now.');
  void loadInstanceToken();
}

$('mode-form').addEventListener('submit', preflight);
$('mode-select').addEventListener('change', () => {
  syncOpenConfirm();
  $('mode-preflight-result').hidden = true;
});
$('mode-switch').addEventListener('click', doSwitch);
$('mode-confirm').addEventListener('click', confirmSwitch);
$('instance-token-create').addEventListener('click', createInstanceToken);
