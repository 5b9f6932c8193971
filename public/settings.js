// The settings page: accessible tabs (WAI-ARIA tabs pattern: roving tabindex,
// arrow keys, Home/End) and one loader per tab, run when the tab is shown.
import { $ } from './settings-api.js';
import { loadMode } from './settings-mode.js';
import { loadUsers } from './settings-users.js';
import { loadRules } from './settings-rules.js';
import { loadAudit, loadOidc, loadSecurity, loadTokens } from './settings-more.js';
import { loadProxy } from './settings-proxy.js';

const LOADERS = {
  mode: loadMode,
  users: loadUsers,
  rules: loadRules,
  oidc: loadOidc,
  tokens: loadTokens,
  security: loadSecurity,
  audit: loadAudit,
  proxy: loadProxy,
};

const tabs = [...document.querySelectorAll('[role="tab"]')];

function nameOf(tab) {
  return tab.id.replace(/^tab-/, '');
}

function select(tab, { focus = false, load = true } = {}) {
  for (const other of tabs) {
    const selected = other === tab;
    other.setAttribute('aria-selected', String(selected));
    other.tabIndex = selected ? 0 : -1;
    $(other.getAttribute('aria-controls')).hidden = !selected;
  }
  if (focus) tab.focus();
  history.replaceState(null, '', `#${nameOf(tab)}`);
  if (load) void LOADERS[nameOf(tab)]?.();
}

for (const [index, tab] of tabs.entries()) {
  tab.addEventListener('click', () => select(tab));
  tab.addEventListener('keydown', (event) => {
    const next = {
      ArrowRight: tabs[(index + 1) % tabs.length],
      ArrowDown: tabs[(index + 1) % tabs.length],
      ArrowLeft: tabs[(index - 1 + tabs.length) % tabs.length],
      ArrowUp: tabs[(index - 1 + tabs.length) % tabs.length],
      Home: tabs[0],
      End: tabs[tabs.length - 1],
    }[event.key];
    if (!next) return;
    event.preventDefault();
    select(next, { focus: true });
  });
}

const initial = tabs.find((tab) => `#${nameOf(tab)}` === location.hash) ?? tabs[0];
select(initial);
document.documentElement.dataset.settingsReady = 'true';
