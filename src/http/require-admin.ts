import type { FastifyReply, FastifyRequest } from 'fastify';
import { NetworkList } from '../../config/network.js';
import { DEFAULT_TRUSTED_PROXIES } from '../../config/schema.js';
import type { AppContext } from '../app-context.js';
import { refuseCrossSiteJson } from '../routes/auth-api.js';
import type { Runtime } from '../runtime.js';
import { identifyCaller, sendApiError, type Caller } from './request-principal.js';
import { clientIp } from './client-ip.js';

const PRIVATE_NETWORKS = new NetworkList(DEFAULT_TRUSTED_PROXIES);

/**
 * Gate for /api/admin/*: an admin caller; for writes also a same-origin JSON
 * request. In open mode everyone is "admin", so writes are accepted only from
 * loopback and private networks (or `security.openModeAdminNetworks`): a
 * fresh instance exposed by mistake cannot be taken over from the internet.
 * Sends the refusal itself and returns null when the caller may not proceed.
 */
export async function requireAdmin(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, rt: Runtime, write: boolean): Promise<Caller | null> {
  if (write && refuseCrossSiteJson(request, reply, rt.portal.origin)) return null;
  const caller = await identifyCaller(ctx, request, rt);
  if (!caller) {
    sendApiError(reply, 401, 'authentication_required', 'sign in as an admin');
    return null;
  }
  if (caller.principal.role !== 'admin') {
    sendApiError(reply, 403, 'admin_required', 'this needs the admin role');
    return null;
  }
  // A browser session is ambient authority: a write also needs the page's CSRF token.
  if (write && caller.session && !ctx.csrf.verify(request, request.headers['x-csrf-token'], rt.portal.origin)) {
    sendApiError(reply, 403, 'csrf_token_required', 'send the X-CSRF-Token header from GET /api/auth/csrf');
    return null;
  }
  if (write && rt.config.mode === 'open') {
    const allowed = rt.config.security.openModeAdminNetworks ? new NetworkList(rt.config.security.openModeAdminNetworks) : PRIVATE_NETWORKS;
    // The client's address as the trusted proxy saw it, not the proxy's own (always private).
    if (!allowed.has(clientIp(request, rt.trustedProxies))) {
      sendApiError(reply, 403, 'open_mode_remote_write', 'in open mode, settings can only be changed from a local or private network');
      return null;
    }
  }
  return caller;
}
