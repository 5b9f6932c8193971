import type { FastifyReply, FastifyRequest } from 'fastify';
import { TOKEN_PRINCIPAL, type TokenStrategy } from '../../../strategies/token.js';
import type { AppContext } from '../../app-context.js';
import { clientIp } from '../../http/client-ip.js';
import { seeOther } from '../../http/html-reply.js';
import { startSession } from '../../http/session-cookie.js';
import type { Runtime } from '../../runtime.js';
import type { LoginForm, LoginPageRenderer } from './login-form.js';

/** token mode: the portal exchanges the instance token for a session cookie. */
export async function tokenLogin(ctx: AppContext, rt: Runtime, strategy: TokenStrategy, form: LoginForm, request: FastifyRequest, reply: FastifyReply, renderPage: LoginPageRenderer): Promise<FastifyReply> {
  const ip = clientIp(request, rt.trustedProxies);
  if (typeof form.token !== 'string' || !strategy.matches(form.token.trim())) {
    await ctx.audit.record({ event: 'login.failure', actor: 'anonymous', ip, outcome: 'failure', details: { method: 'token' } });
    return renderPage(401, 'That token is not valid.');
  }
  await startSession(ctx, request, reply, rt, TOKEN_PRINCIPAL);
  await ctx.audit.record({ event: 'login.success', actor: TOKEN_PRINCIPAL.username, ip, outcome: 'success', details: { method: 'token' } });
  return seeOther(reply, form.landing);
}
