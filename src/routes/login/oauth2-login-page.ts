import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.js';
import { errorBox, redirectFormTargets, sendHtml } from '../../http/html-reply.js';
import { Html, escapeHtml, page, render } from '../../http/pages.js';
import { safeRedirectTarget } from '../../http/safe-redirect.js';
import type { Runtime } from '../../runtime.js';

export const OIDC_START_PATH = '/api/auth/oidc/start';

/** A short name for the provider on buttons: its host name. */
export function providerName(issuerUrl: string): string {
  try {
    return new URL(issuerUrl).hostname;
  } catch {
    return 'your identity provider';
  }
}

/**
 * The oauth2-mode login page: a "sign in with the provider" link, a notice
 * while the provider cannot be reached, and (with `allowLocalAdmins`) the
 * local administrator form for when the provider is down.
 */
export function oauth2LoginPage(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  rd: unknown,
  error?: string,
  username?: string,
): FastifyReply {
  const rt = ctx.runtime();
  if (rt.config.mode !== 'oauth2') throw new Error('oauth2LoginPage outside oauth2 mode');
  const settings = rt.config.oauth2;
  const target = landing(rt, rd);
  const name = providerName(settings.issuerUrl);
  const csrf = ctx.csrf.issue(request, reply, rt.cookie.secure);
  const provider = ctx.oidc.connection(settings).status();
  const notice =
    provider.state === 'unreachable'
      ? new Html(`<p class="error" role="status">The sign-in provider ${escapeHtml(name)} cannot be reached right now; Gatehouse keeps trying.${settings.allowLocalAdmins ? ' Administrators can use a local account below.' : ''}</p>`)
      : undefined;
  const localForm = settings.allowLocalAdmins
    ? new Html(render('login-oauth2-local', { csrf, rd: target, username, localOpen: username !== undefined || provider.state === 'unreachable' ? ' open' : undefined }))
    : undefined;
  const startUrl = `${OIDC_START_PATH}?rd=${encodeURIComponent(target)}`;
  return sendHtml(reply, status, page('Sign in', 'login-oauth2', { providerName: name, startUrl, error: errorBox(error), providerNotice: notice, localForm }, { openMode: false }), redirectFormTargets(rt.config));
}

export function landing(rt: Runtime, rd: unknown): string {
  return safeRedirectTarget(rd, rt.config) ?? `${rt.portal.origin}/`;
}
