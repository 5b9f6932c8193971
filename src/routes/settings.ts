import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { sendHtml, seeOther } from '../http/html-reply.js';
import { page } from '../http/pages.js';
import { identifyCaller } from '../http/request-principal.js';

/**
 * /settings: the admin's page (a static shell; public/settings.js drives the
 * admin API from it). Served to an admin, and to everyone in open mode, where
 * everyone is an admin; anyone else is sent to sign in first.
 */
export function settingsRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/settings', async (request, reply) => {
    const rt = ctx.runtime();
    const caller = await identifyCaller(ctx, request, rt);
    const openMode = rt.config.mode === 'open';
    if (!caller) return seeOther(reply, `/login?rd=${encodeURIComponent(`${rt.portal.origin}/settings`)}`);
    if (caller.principal.role !== 'admin') {
      // Signed in, but not an admin: another login would not help, so say so instead of looping.
      const status = `Settings are for administrators. You are signed in as ${caller.principal.username} (${caller.principal.role}).`;
      return sendHtml(reply, 403, page('Settings', 'home', { status, link: '/profile', linkText: 'Profile & security' }, { openMode }));
    }
    const who = openMode ? 'Open mode: nobody signs in, everyone is an administrator.' : `Signed in as ${caller.principal.username} (admin).`;
    return sendHtml(reply, 200, page('Settings', 'settings', { who, mode: rt.config.mode }, { openMode }));
  });
}
