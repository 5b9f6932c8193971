// Access rules tab: the ordered list is edited here and saved whole (PUT
// /api/admin/rules validates it as a whole); "Try a request" asks the server,
// which decides with the very same code as the check.
import { $, api, clearStatus, el, fill, list, showError, showNotice } from './settings-api.js';

const status = () => $('rules-status');
let rules = [];
let editingIndex = null;
let loaded = false;

const asList = (value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
/** One value stays a string, several become an array: both are valid in config.json. */
const oneOrMany = (values) => (values.length === 1 ? values[0] : values);

function describe(rule) {
  const parts = [asList(rule.domain).join(', ')];
  parts.push(rule.path ? asList(rule.path).join(', ') : 'any path');
  parts.push(rule.methods ? rule.methods.join(', ') : 'any method');
  if (rule.networks) parts.push(`from ${rule.networks.join(', ')}`);
  if (rule.subject) parts.push(`for ${rule.subject.join(', ')}`);
  return `${parts.join(' · ')} → ${rule.policy}${rule.minRole ? ` (at least ${rule.minRole})` : ''}`;
}

function setDirty(dirty) {
  $('rules-dirty').hidden = !dirty;
}

function render(focus) {
  const items = rules.map((rule, index) => {
    const n = index + 1;
    const buttons = [
      ['Edit', `Edit rule ${n}`, () => edit(index), false, 'edit'],
      ['Up', `Move rule ${n} up`, () => move(index, -1), index === 0, 'up'],
      ['Down', `Move rule ${n} down`, () => move(index, 1), index === rules.length - 1, 'down'],
      ['Delete', `Delete rule ${n}`, () => remove(index), false, 'delete'],
    ].map(([text, label, onclick, disabled, action]) => el('button', { type: 'button', class: action === 'delete' ? 'small danger' : 'small secondary', 'aria-label': label, 'data-action': action, text, onclick, disabled }));
    return el(
      'li',
      { 'data-index': String(index), class: index === editingIndex ? 'editing' : undefined },
      el('div', { class: 'rule-text' }, rule.name ? el('strong', { text: `${rule.name}: ` }) : null, describe(rule)),
      el('div', { class: 'rule-actions' }, ...buttons),
    );
  });
  fill($('rules-list'), ...(items.length ? items : [el('li', { class: 'empty', text: 'No rules: every request gets the default policy.' })]));
  if (focus) $('rules-list').querySelector(`li[data-index="${focus.index}"] [data-action="${focus.action}"]:not([disabled])`)?.focus();
}

export async function loadRules() {
  // Unsaved edits survive switching tabs.
  if (loaded && !$('rules-dirty').hidden) return;
  const result = await api('GET', '/api/admin/rules');
  if (!result.ok) return showError(status(), result, 'Could not load the rules');
  rules = result.data.rules;
  $('rules-default').value = result.data.defaultPolicy;
  const domain = result.data.domains?.[0];
  if (domain && $('try-url').value === '') $('try-url').placeholder = `https://app.${domain}/path`;
  loaded = true;
  setDirty(false);
  render();
  void suggestUsers();
}

/** Usernames for the "Try a request" user field (the Users tab fills the same list when it loads). */
async function suggestUsers() {
  if ($('try-users').options.length > 0) return;
  const result = await api('GET', '/api/admin/users');
  if (result.ok) fill($('try-users'), ...result.data.users.map((u) => el('option', { value: u.username })));
}

function move(index, by) {
  const to = index + by;
  if (to < 0 || to >= rules.length) return;
  [rules[index], rules[to]] = [rules[to], rules[index]];
  if (editingIndex === index) editingIndex = to;
  else if (editingIndex === to) editingIndex = index;
  setDirty(true);
  render({ index: to, action: by < 0 ? 'up' : 'down' });
}

function remove(index) {
  rules.splice(index, 1);
  if (editingIndex !== null) cancelEdit();
  setDirty(true);
  render({ index: Math.min(index, rules.length - 1), action: 'delete' });
  showNotice(status(), `Rule ${index + 1} removed. Save the rules to put it in force.`);
}

function edit(index) {
  const rule = rules[index];
  editingIndex = index;
  $('rule-name').value = rule.name ?? '';
  $('rule-domain').value = asList(rule.domain).join(', ');
  $('rule-path').value = asList(rule.path).join(', ');
  $('rule-methods').value = (rule.methods ?? []).join(', ');
  $('rule-networks').value = (rule.networks ?? []).join(', ');
  $('rule-subject').value = (rule.subject ?? []).join(', ');
  $('rule-policy').value = rule.policy;
  $('rule-minrole').value = rule.minRole ?? '';
  $('rule-form-title').textContent = `Edit rule ${index + 1}`;
  $('rule-submit').textContent = 'Update rule';
  $('rule-cancel').hidden = false;
  render();
  $('rule-domain').focus();
}

function cancelEdit() {
  editingIndex = null;
  $('rule-form').reset();
  $('rule-form-title').textContent = 'Add a rule';
  $('rule-submit').textContent = 'Add rule';
  $('rule-cancel').hidden = true;
  render();
}

function ruleFromForm() {
  const rule = {};
  const name = $('rule-name').value.trim();
  if (name) rule.name = name;
  rule.domain = oneOrMany(list($('rule-domain').value));
  const paths = list($('rule-path').value);
  if (paths.length) rule.path = oneOrMany(paths);
  const methods = list($('rule-methods').value).map((m) => m.toUpperCase());
  if (methods.length) rule.methods = methods;
  const networks = list($('rule-networks').value);
  if (networks.length) rule.networks = networks;
  const subject = list($('rule-subject').value);
  if (subject.length) rule.subject = subject;
  rule.policy = $('rule-policy').value;
  if ($('rule-minrole').value) rule.minRole = $('rule-minrole').value;
  return rule;
}

function submitRule(event) {
  event.preventDefault();
  const rule = ruleFromForm();
  if (asList(rule.domain).length === 0) return showError(status(), { status: 400, data: { message: 'A rule needs at least one domain.' } });
  const adding = editingIndex === null;
  const n = adding ? rules.length + 1 : editingIndex + 1;
  if (adding) rules.push(rule);
  else rules[editingIndex] = rule;
  cancelEdit();
  setDirty(true);
  showNotice(status(), `Rule ${n} ${adding ? 'added' : 'updated'}. Save the rules to put it in force.`);
}

async function save() {
  const result = await api('PUT', '/api/admin/rules', { rules, defaultPolicy: $('rules-default').value });
  if (!result.ok) return showError(status(), result, 'The rules were not saved');
  rules = result.data.rules;
  $('rules-default').value = result.data.defaultPolicy;
  setDirty(false);
  render();
  showNotice(status(), `Saved ${rules.length} rule${rules.length === 1 ? '' : 's'}; they are in force now.`);
}

const DECISIONS = {
  allow: 'allowed',
  deny: 'refused',
  login: 'sent to sign in',
  stepUp: 'asked for a second factor',
};

async function tryRequest(event) {
  event.preventDefault();
  const out = $('try-result');
  const body = { url: $('try-url').value.trim(), method: $('try-method').value, secondFactor: $('try-2fa').checked };
  const user = $('try-user').value.trim();
  if (user) body.user = user;
  const ip = $('try-ip').value.trim();
  if (ip) body.clientIp = ip;
  const result = await api('POST', '/api/admin/rules/try', body);
  if (!result.ok) return showError(out, result, 'Could not try the request');
  clearStatus(out);
  const d = result.data;
  const rule = /^rules\[(\d+)\](.*)$/.exec(d.rule);
  const ruleText = rule ? `rule ${Number(rule[1]) + 1}${rule[2]}` : d.rule === 'defaultPolicy' ? 'the default policy' : d.rule;
  fill(
    out,
    el('p', { class: `decision decision-${d.decision}` }, el('strong', { 'data-decision': d.decision, text: `${d.decision}` }), ` — ${DECISIONS[d.decision] ?? d.decision} (HTTP ${d.status})`),
    el('p', {}, 'Decided by: ', el('strong', { 'data-rule': d.rule, text: ruleText })),
    el('p', { class: 'sub', text: `${d.target.method} ${d.target.host}${d.target.path} as ${user || 'anonymous'}` }),
    ...(d.note ? [el('p', { class: 'sub', 'data-note': 'case', text: d.note })] : []),
  );
}

$('rules-default').addEventListener('change', () => setDirty(true));
$('rule-form').addEventListener('submit', submitRule);
$('rule-cancel').addEventListener('click', cancelEdit);
$('rules-save').addEventListener('click', save);
$('try-form').addEventListener('submit', tryRequest);
