// Users tab: list, add, edit (role, status, 2FA requirement, profile), reset
// password, reset 2FA, delete, a user's sessions, and brute-force bans.
import { $, api, confirmButton, el, fill, showError, showNotice, when } from './settings-api.js';

const status = () => $('users-status');
let users = [];
let editing = null;

const path = (name, suffix = '') => `/api/admin/users/${encodeURIComponent(name)}${suffix}`;

function twoFactorText(user) {
  const methods = user.mfa?.methods ?? [];
  const names = methods.map((m) => (m === 'otp' ? 'authenticator app' : m === 'hwk' ? 'passkey' : m));
  const text = names.length > 0 ? names.join(', ') : 'none';
  return user.requires2fa ? `${text} (required)` : text;
}

function userRow(user) {
  const name = el('td', {}, el('strong', { text: user.username }), user.displayName ? el('span', { class: 'sub', text: ` ${user.displayName}` }) : null);
  return el(
    'tr',
    { 'data-user': user.username },
    name,
    el('td', { text: user.role }),
    el('td', { text: user.disabled ? 'disabled' : user.hasPassword ? 'enabled' : 'enabled, no password' }),
    el('td', { text: twoFactorText(user) }),
    el('td', { text: String(user.sessions ?? 0) }),
    el('td', {}, el('button', { type: 'button', class: 'small', 'aria-label': `Edit ${user.username}`, text: 'Edit', onclick: () => openEditor(user.username) })),
  );
}

export async function loadUsers() {
  const result = await api('GET', '/api/admin/users');
  if (!result.ok) return showError(status(), result, 'Could not load users');
  users = result.data.users;
  fill($('users-rows'), ...(users.length ? users.map(userRow) : [el('tr', {}, el('td', { colspan: '6', text: 'No local users yet.' }))]));
  fill($('try-users'), ...users.map((u) => el('option', { value: u.username })));
  if (editing) {
    const still = users.find((u) => u.username === editing);
    if (still) fillEditor(still);
    else closeEditor();
  }
  await loadBans();
}

async function loadBans() {
  const result = await api('GET', '/api/admin/bans');
  if (!result.ok) return showError(status(), result, 'Could not load bans');
  const bans = result.data.bans;
  fill(
    $('bans-rows'),
    ...(bans.length
      ? bans.map((ban) =>
          el(
            'tr',
            {},
            el('td', { text: ban.kind === 'ip' ? 'IP address' : 'account' }),
            el('td', { text: ban.key }),
            el('td', { text: when(ban.until) }),
            el('td', {}, el('button', { type: 'button', class: 'small', 'aria-label': `Unban ${ban.key}`, text: 'Unban', onclick: () => unban(ban.key) })),
          ),
        )
      : [el('tr', {}, el('td', { colspan: '4', text: 'Nobody is banned.' }))]),
  );
}

async function unban(subject) {
  const result = await api('POST', '/api/admin/bans/unban', { subject });
  if (!result.ok) return showError(status(), result, `Could not unban ${subject}`);
  showNotice(status(), `Unbanned ${subject}.`);
  await loadBans();
}

function fillEditor(user) {
  $('user-edit-title').textContent = `Edit ${user.username}`;
  $('edit-role').value = user.role;
  $('edit-display').value = user.displayName ?? '';
  $('edit-email').value = user.email ?? '';
  $('edit-disabled').checked = Boolean(user.disabled);
  $('edit-requires2fa').checked = Boolean(user.requires2fa);
  $('user-mfa').textContent = `Second factors: ${twoFactorText(user)}. Recovery codes left: ${user.mfa?.recoveryCodesLeft ?? 0}.`;
}

async function openEditor(username) {
  const user = users.find((u) => u.username === username);
  if (!user) return;
  editing = username;
  fillEditor(user);
  resetDelete();
  resetMfa();
  $('edit-password').value = '';
  $('user-edit').hidden = false;
  $('edit-role').focus();
  await loadSessions(username);
}

function closeEditor() {
  editing = null;
  $('user-edit').hidden = true;
}

async function loadSessions(username) {
  const result = await api('GET', `/api/admin/sessions?user=${encodeURIComponent(username)}`);
  if (!result.ok) return showError(status(), result, 'Could not load sessions');
  const sessions = result.data.sessions.sort((a, b) => Date.parse(b.lastSeenAt) - Date.parse(a.lastSeenAt));
  fill(
    $('user-sessions'),
    ...(sessions.length
      ? sessions.map((s) =>
          el(
            'tr',
            {},
            el('td', { text: when(s.lastSeenAt) }),
            el('td', { text: s.ip }),
            el('td', { text: (s.userAgent || '').slice(0, 80) }),
            el('td', {}, s.current ? 'This browser' : el('button', { type: 'button', class: 'small', 'aria-label': `End session from ${s.ip}`, text: 'End', onclick: () => endSession(s.id, username) })),
          ),
        )
      : [el('tr', {}, el('td', { colspan: '4', text: 'No active sessions.' }))]),
  );
}

async function endSession(id, username) {
  const result = await api('DELETE', `/api/admin/sessions/${encodeURIComponent(id)}`);
  if (!result.ok) return showError(status(), result, 'Could not end the session');
  showNotice(status(), `Ended a session of ${username}.`);
  await loadSessions(username);
  await loadUsers();
}

async function saveUser(event) {
  event.preventDefault();
  const user = users.find((u) => u.username === editing);
  if (!user) return;
  const wanted = {
    role: $('edit-role').value,
    disabled: $('edit-disabled').checked,
    requires2fa: $('edit-requires2fa').checked,
    displayName: $('edit-display').value.trim(),
    email: $('edit-email').value.trim(),
  };
  // Only what changed: each change is audited (and a role change ends the user's sessions).
  const body = Object.fromEntries(Object.entries(wanted).filter(([key, value]) => (user[key] ?? (typeof value === 'boolean' ? false : '')) !== value));
  if (Object.keys(body).length === 0) return showNotice(status(), 'Nothing changed.');
  const result = await api('PATCH', path(user.username), body);
  if (!result.ok) return showError(status(), result, `Could not save ${user.username}`);
  showNotice(status(), `Saved ${user.username}.`);
  await loadUsers();
}

async function setPassword(event) {
  event.preventDefault();
  const password = $('edit-password').value;
  if (!editing || password === '') return;
  const result = await api('POST', path(editing, '/password'), { password });
  if (!result.ok) return showError(status(), result, 'Could not set the password');
  $('edit-password').value = '';
  showNotice(status(), `New password set for ${editing}; their sessions were ended.`);
  await loadUsers();
  await loadSessions(editing);
}

const resetMfa = confirmButton($('user-reset-2fa'), 'Reset 2FA', 'Really remove all second factors? Click again', async () => {
  if (!editing) return;
  const result = await api('POST', path(editing, '/reset-2fa'), {});
  if (!result.ok) return showError(status(), result, 'Could not reset 2FA');
  showNotice(status(), `Removed the second factors of ${editing}; ${result.data.sessionsEnded ?? 0} session(s) ended.`);
  await loadUsers();
});

const resetDelete = confirmButton($('user-delete'), 'Delete user', 'Really delete? Click again', async () => {
  if (!editing) return;
  const name = editing;
  const result = await api('DELETE', path(name));
  if (!result.ok) return showError(status(), result, `Could not delete ${name}`);
  closeEditor();
  showNotice(status(), `Deleted ${name}.`);
  await loadUsers();
});

async function addUser(event) {
  event.preventDefault();
  const form = event.target;
  const body = { username: $('add-username').value.trim(), role: $('add-role').value };
  for (const [key, id] of [['displayName', 'add-display'], ['email', 'add-email'], ['password', 'add-password']]) {
    const value = key === 'password' ? $(id).value : $(id).value.trim();
    if (value !== '') body[key] = value;
  }
  if (body.username === '') return showError(status(), { status: 400, data: { message: 'Enter a username.' } });
  const result = await api('POST', '/api/admin/users', body);
  if (!result.ok) return showError(status(), result, `Could not add ${body.username}`);
  form.reset();
  showNotice(status(), `Added ${result.data.user.username} (${result.data.user.role}).`);
  await loadUsers();
}

async function unbanForm(event) {
  event.preventDefault();
  const subject = $('unban-subject').value.trim();
  if (subject === '') return;
  await unban(subject);
  $('unban-subject').value = '';
}

$('user-add-form').addEventListener('submit', addUser);
$('user-edit-form').addEventListener('submit', saveUser);
$('user-password-form').addEventListener('submit', setPassword);
$('user-edit-close').addEventListener('click', closeEditor);
$('unban-form').addEventListener('submit', unbanForm);
