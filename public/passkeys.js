/*
 * Passkeys on Gatehouse's pages: sign-in (button + autofill), the second
 * factor on /login/2fa, and management on /profile. Loaded after
 * /assets/simplewebauthn-browser.js (global SimpleWebAuthnBrowser); every
 * part runs only on a page that has its elements. No inline script anywhere
 * (CSP default-src 'self'); text goes in with textContent only.
 */
(() => {
  'use strict';

  const SWA = window.SimpleWebAuthnBrowser;
  const byId = (id) => document.getElementById(id);
  const HINT = 'gatehouse.passkeys.';

  // ------------------------------------------------------------ shared

  function csrfToken() {
    const input = document.querySelector('input[name="csrf"]');
    return input ? input.value : '';
  }

  /** A JSON call to Gatehouse with the page's CSRF token; never throws for HTTP errors. */
  async function api(method, path, body) {
    const headers = { accept: 'application/json', 'x-csrf-token': csrfToken() };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res;
    try {
      res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      return { ok: false, status: 0, data: { error: 'network', message: 'Gatehouse could not be reached. Check your connection and try again.' } };
    }
    let data = {};
    try {
      data = await res.json();
    } catch {
      data = {};
    }
    return { ok: res.ok, status: res.status, data };
  }

  /** Shows `text` in a status line; `link` ({href, text}) is appended as a real link. */
  function say(el, text, kind, link) {
    if (!el) return;
    el.textContent = text;
    el.className = `passkey-status${kind === 'error' ? ' error' : kind === 'ok' ? ' notice' : ''}`;
    if (link) {
      el.append(' ');
      const a = document.createElement('a');
      a.href = link.href;
      a.textContent = link.text;
      el.append(a);
    }
  }

  // Whether this browser has used a passkey here: the only way to tell
  // "no passkey for this site yet" from "cancelled", as browsers answer both
  // with the same NotAllowedError (on purpose, for privacy).
  const hint = {
    has: (rpId) => {
      try {
        return localStorage.getItem(HINT + rpId) === '1';
      } catch {
        return false;
      }
    },
    set: (rpId, on) => {
      try {
        if (on) localStorage.setItem(HINT + rpId, '1');
        else localStorage.removeItem(HINT + rpId);
      } catch {
        // storage disabled: messages fall back to "cancelled"
      }
    },
  };

  function errorName(err) {
    return (err && err.cause && err.cause.name) || (err && err.name) || '';
  }

  /** True for the abort Gatehouse itself caused (another ceremony took over). */
  function isOwnAbort(err) {
    return (err && err.code === 'ERROR_CEREMONY_ABORTED') || errorName(err) === 'AbortError';
  }

  /** The message for an error the browser (not Gatehouse) raised. */
  function browserErrorMessage(err, rpId, during) {
    const code = err && err.code;
    const name = errorName(err);
    if (code === 'ERROR_INVALID_DOMAIN' || code === 'ERROR_INVALID_RP_ID' || name === 'SecurityError') {
      return `Origin mismatch: this page is at ${location.origin}, where the browser refuses passkeys for ${rpId}. Open the portal at its configured address, or ask your administrator to check passkeys.rpId.`;
    }
    if (code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED' || name === 'InvalidStateError') {
      return 'This authenticator already holds a passkey for your account.';
    }
    if (name === 'NotAllowedError') {
      if (during === 'sign_in' && !hint.has(rpId)) {
        return 'No passkey for this site yet on this device (or you closed the prompt). Sign in with your password, then add a passkey on your profile.';
      }
      return 'Cancelled: the passkey prompt was closed or timed out. Try again when you are ready.';
    }
    return `The passkey did not work: ${(err && err.message) || 'unknown error'}.`;
  }

  function signalRemoved(rpId, credentialId) {
    // Lets the browser or password manager hide a passkey Gatehouse no longer knows.
    const signal = window.PublicKeyCredential && PublicKeyCredential.signalUnknownCredential;
    if (typeof signal === 'function') signal.call(PublicKeyCredential, { rpId, credentialId }).catch(() => undefined);
  }

  /** Shows a refused server answer; step-up answers get a link to confirm first. */
  function sayRefusal(el, data, rpId, credentialId) {
    if (data.error === 'passkey_removed') {
      hint.set(rpId, false);
      if (credentialId) signalRemoved(rpId, credentialId);
    }
    const link = data.location ? { href: data.location, text: data.error === 'enrol_2fa_first' ? 'Set it up' : 'Confirm it is you' } : data.error === 'origin_mismatch' && data.portal ? { href: `${data.portal}/login`, text: `Open ${data.portal}` } : undefined;
    say(el, data.message || 'Something went wrong. Reload the page and try again.', 'error', link);
  }

  const supported = () => Boolean(SWA && SWA.browserSupportsWebAuthn());

  // ------------------------------------------------------------ sign-in (/login)

  function setUpSignIn(button, block) {
    const status = byId('passkey-status');
    const rdInput = document.querySelector('form input[name="rd"]');
    const rd = rdInput ? rdInput.value : '';
    let generation = 0;
    let conditionalOptions = null;
    let busy = false;

    async function finish(response, rpId) {
      const { ok, data } = await api('POST', '/api/passkeys/sign-in/verify', { response, rd });
      if (ok) {
        hint.set(rpId, true);
        say(status, 'Signed in. Taking you on…', 'ok');
        location.assign(data.location);
        return true;
      }
      sayRefusal(status, data, rpId, response.id);
      return false;
    }

    // Autofill: offered only where the browser supports conditional mediation. Not restarted
    // after Gatehouse refused its answer: in the worst case a browser would offer the same
    // refused passkey again and again.
    async function startConditional() {
      const available = window.PublicKeyCredential && typeof PublicKeyCredential.isConditionalMediationAvailable === 'function' && (await PublicKeyCredential.isConditionalMediationAvailable());
      if (!available || busy) return;
      const mine = ++generation;
      conditionalOptions = api('POST', '/api/passkeys/sign-in/options', {});
      const { ok, data } = await conditionalOptions;
      conditionalOptions = null;
      if (mine !== generation) return;
      if (!ok) {
        // Other refusals wait for a click; a wrong address is worth saying at once.
        if (data.error === 'origin_mismatch') sayRefusal(status, data, '');
        return;
      }
      const rpId = data.options.rpId;
      let response;
      // Marks the page while the autofill request is open (tests wait for it; nothing else reads it).
      block.dataset.autofill = 'waiting';
      try {
        response = await SWA.startAuthentication({ optionsJSON: data.options, useBrowserAutofill: true });
      } catch (err) {
        if (!isOwnAbort(err) && mine === generation && errorName(err) !== 'NotAllowedError') say(status, browserErrorMessage(err, rpId, 'sign_in'), 'error');
        return;
      } finally {
        if (mine === generation) delete block.dataset.autofill;
      }
      if (mine !== generation) return;
      await finish(response, rpId);
    }

    button.addEventListener('click', async () => {
      if (busy) return;
      busy = true;
      button.disabled = true;
      const mine = ++generation;
      say(status, 'Waiting for your passkey…');
      // One ceremony at a time: let the autofill one's options land (its cookie must not
      // overwrite ours), then abort it before starting the button's.
      if (conditionalOptions) await conditionalOptions;
      SWA.WebAuthnAbortService.cancelCeremony();
      delete block.dataset.autofill;
      let rpId = '';
      let browserSide = false;
      try {
        const { ok, data } = await api('POST', '/api/passkeys/sign-in/options', {});
        if (!ok) {
          sayRefusal(status, data, '');
          return;
        }
        rpId = data.options.rpId;
        let response;
        try {
          response = await SWA.startAuthentication({ optionsJSON: data.options });
        } catch (err) {
          if (mine === generation) say(status, browserErrorMessage(err, rpId, 'sign_in'), 'error');
          browserSide = true;
          return;
        }
        await finish(response, rpId);
      } finally {
        busy = false;
        button.disabled = false;
        // Cancelled in the browser: autofill stays on offer. Refused by Gatehouse: the message stays.
        if (browserSide && mine === generation) startConditional();
      }
    });

    startConditional();
  }

  // ------------------------------------------------------------ second factor (/login/2fa)

  async function setUpSecondFactor(button, block) {
    const status = byId('passkey-status');
    const rdInput = document.querySelector('form input[name="rd"]');
    const { ok, data } = await api('GET', '/api/passkeys/second-factor');
    if (!ok || !data.available) return;
    block.hidden = false;
    button.addEventListener('click', async () => {
      button.disabled = true;
      say(status, 'Waiting for your passkey…');
      try {
        const options = await api('POST', '/api/passkeys/second-factor/options', {});
        if (!options.ok) return sayRefusal(status, options.data, '');
        const rpId = options.data.options.rpId;
        let response;
        try {
          response = await SWA.startAuthentication({ optionsJSON: options.data.options });
        } catch (err) {
          return say(status, browserErrorMessage(err, rpId, 'second_factor'), 'error');
        }
        const verified = await api('POST', '/api/passkeys/second-factor/verify', { response, rd: rdInput ? rdInput.value : '' });
        if (!verified.ok) return sayRefusal(status, verified.data, rpId, response.id);
        hint.set(rpId, true);
        say(status, 'Verified. Taking you on…', 'ok');
        location.assign(verified.data.location);
      } finally {
        button.disabled = false;
      }
    });
  }

  // ------------------------------------------------------------ management (/profile)

  function when(iso) {
    return iso ? new Date(iso).toLocaleString() : 'Never';
  }

  function kindOf(p) {
    if (p.deviceType === 'multiDevice') return 'Synced passkey';
    return p.attachment === 'cross-platform' ? 'Security key' : 'This device only';
  }

  function cell(text) {
    const td = document.createElement('td');
    td.textContent = text;
    return td;
  }

  function smallButton(text, onClick) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = text;
    b.addEventListener('click', onClick);
    return b;
  }

  function setUpManage(section) {
    const rows = byId('passkey-rows');
    const empty = byId('passkey-empty');
    const status = byId('passkey-status');
    let rpId = '';

    async function load() {
      const { ok, status: code, data } = await api('GET', '/api/passkeys');
      if (!ok) {
        if (code === 401) say(status, 'Your session ended.', 'error', { href: `/login?rd=${encodeURIComponent(location.href)}`, text: 'Sign in again' });
        return;
      }
      rpId = data.rpId;
      section.hidden = false;
      rows.replaceChildren(...data.passkeys.map(row));
      empty.hidden = data.passkeys.length > 0;
    }

    function row(p) {
      const tr = document.createElement('tr');
      tr.dataset.id = p.id;
      const name = cell(p.name);
      name.className = 'passkey-name';
      const actions = document.createElement('td');
      actions.className = 'passkey-actions';
      actions.append(smallButton('Rename', () => rename(p, name)), ' ', smallButton('Delete', () => remove(p)));
      tr.append(name, cell(when(p.createdAt)), cell(when(p.lastUsedAt)), cell(kindOf(p)), cell(p.backedUp ? 'Yes' : 'No'), actions);
      return tr;
    }

    function rename(p, nameCell) {
      const input = document.createElement('input');
      input.type = 'text';
      input.value = p.name;
      input.maxLength = 64;
      input.setAttribute('aria-label', `New name for ${p.name}`);
      const save = async () => {
        const { ok, data } = await api('PATCH', `/api/passkeys/${encodeURIComponent(p.id)}`, { name: input.value });
        if (!ok) return sayRefusal(status, data, rpId);
        say(status, `Renamed to “${data.passkey.name}”.`, 'ok');
        load();
      };
      input.addEventListener('keydown', (event) => {
        if (event.key === 'Enter') save();
        if (event.key === 'Escape') load();
      });
      nameCell.replaceChildren(input, smallButton('Save', save), smallButton('Cancel', load));
      input.focus();
    }

    async function remove(p) {
      if (!window.confirm(`Delete the passkey “${p.name}”? Also remove it from your device or password manager afterwards.`)) return;
      const { ok, data } = await api('DELETE', `/api/passkeys/${encodeURIComponent(p.id)}`);
      if (!ok) return sayRefusal(status, data, rpId);
      if (data.signedOut) {
        rows.replaceChildren();
        say(status, 'Passkey deleted. It was your last second factor, so your sessions have ended.', 'ok', { href: '/login', text: 'Sign in again' });
        return;
      }
      say(status, `Passkey “${p.name}” deleted. Remove it from your device too.`, 'ok');
      load();
    }

    async function add(attachment) {
      SWA.WebAuthnAbortService.cancelCeremony();
      say(status, attachment === 'cross-platform' ? 'Insert or tap your security key…' : 'Follow your device’s prompt…');
      const options = await api('POST', '/api/passkeys/registration/options', { attachment });
      if (!options.ok) return sayRefusal(status, options.data, rpId);
      const optionsRpId = options.data.options.rp.id;
      let response;
      try {
        response = await SWA.startRegistration({ optionsJSON: options.data.options });
      } catch (err) {
        return say(status, browserErrorMessage(err, optionsRpId, 'registration'), 'error');
      }
      const verified = await api('POST', '/api/passkeys/registration/verify', { response });
      if (!verified.ok) return sayRefusal(status, verified.data, optionsRpId);
      hint.set(optionsRpId, true);
      say(status, `Passkey “${verified.data.passkey.name}” added. You can now sign in with it.`, 'ok');
      load();
    }

    byId('passkey-add').addEventListener('click', () => add('platform'));
    byId('passkey-add-key').addEventListener('click', () => add('cross-platform'));
    load();
  }

  // ------------------------------------------------------------ start

  function unsupported(block) {
    const status = byId('passkey-status');
    if (!window.isSecureContext) say(status, 'Passkeys need a secure connection: open this page over https.', 'error');
    if (block) block.hidden = true;
  }

  const signIn = byId('passkey-signin');
  const secondFactor = byId('passkey-second-factor');
  const manage = byId('passkeys');
  if (!supported()) {
    unsupported(manage);
    return;
  }
  if (signIn) {
    const block = byId('passkey-signin-block');
    block.hidden = false;
    setUpSignIn(signIn, block);
  }
  if (secondFactor) setUpSecondFactor(secondFactor, byId('passkey-second-factor-block'));
  if (manage) setUpManage(manage);
})();
