// Settings → Proxy check: the doctor's report (GET /api/admin/doctor), refreshed
// while the tab is shown, each fix with a button that copies it.
import { $, api, clearStatus, confirmButton, el, fill, showError, showNotice, when } from './settings-api.js';

const REFRESH_MS = 3000;
const PROXY_NAMES = { traefik: 'Traefik', nginx: 'nginx', caddy: 'Caddy', unknown: 'not recognised', gatehouse: 'Gatehouse' };
let timer;

/** Copies a fix; where the clipboard is not available, selects it for Ctrl+C instead. */
async function copy(pre, button) {
  try {
    await navigator.clipboard.writeText(pre.textContent);
    button.textContent = 'Copied';
  } catch {
    const range = document.createRange();
    range.selectNodeContents(pre);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    button.textContent = 'Selected: press Ctrl+C';
  }
  setTimeout(() => (button.textContent = 'Copy'), 3000);
}

function finding(f) {
  const item = el('li', { class: `level-${f.level}`, 'data-code': f.code }, el('span', { class: 'level', text: f.level }), ' ', el('code', { text: f.code }), `${f.peer ? ` (${f.peer})` : ''}: ${f.message}`);
  if (f.fix) {
    const pre = el('pre', { 'data-fix': f.code }, el('code', { text: f.fix.text }));
    const button = el('button', { type: 'button', class: 'secondary small', text: 'Copy' });
    button.addEventListener('click', () => copy(pre, button));
    item.append(el('p', { class: 'sub', text: `Fix (${PROXY_NAMES[f.fix.for] ?? f.fix.for}):` }), pre, button);
  }
  return item;
}

function peerRow(p) {
  return el(
    'tr',
    { 'data-peer': p.ip },
    el('td', { text: p.ip }),
    el('td', { text: PROXY_NAMES[p.proxy] ?? p.proxy }),
    el('td', { text: p.trusted ? 'yes' : 'no' }),
    el('td', { text: String(p.requests) }),
    el('td', { text: String(p.requestsPerConnection) }),
    el('td', { text: p.hosts.join(', ') || '—' }),
    el('td', { text: when(p.lastSeen) }),
  );
}

async function refresh() {
  const status = $('proxy-status');
  const result = await api('GET', '/api/admin/doctor');
  if (!result.ok) return showError(status, result, 'Could not run the proxy check');
  clearStatus(status);
  const d = result.data;
  const errors = d.findings.filter((f) => f.level === 'error').length;
  const warnings = d.findings.filter((f) => f.level === 'warning').length;
  const summary = $('proxy-summary');
  summary.textContent = errors > 0 ? `${errors} error${errors > 1 ? 's' : ''} to fix, ${warnings} warning${warnings === 1 ? '' : 's'}.` : `No errors${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}: the wiring works as far as Gatehouse can tell.`;
  summary.dataset.ok = String(d.ok);
  fill($('proxy-peers'), ...(d.peers.length ? d.peers.map(peerRow) : [el('tr', {}, el('td', { colspan: 7, text: 'No checks seen lately.' }))]));
  fill($('proxy-findings'), ...d.findings.map(finding));
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(async () => {
    // Only while the tab is shown: another tab's loader takes over the page's attention.
    if ($('panel-proxy').hidden) return;
    await refresh();
    schedule();
  }, REFRESH_MS);
}

confirmButton($('proxy-reset'), 'Start over', 'Forget the checks seen so far', async () => {
  const result = await api('POST', '/api/admin/doctor/reset', {});
  if (!result.ok) return showError($('proxy-status'), result, 'Could not start over');
  await refresh();
  showNotice($('proxy-status'), 'Forgotten: the report now covers only the checks that follow.');
});

export async function loadProxy() {
  await refresh();
  schedule();
}
