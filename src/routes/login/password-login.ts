import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.js';
import { clientIp } from '../../http/client-ip.js';
import type { Runtime } from '../../runtime.js';
import { finishPasswordLogin } from './finish-login.js';
import { HASHER_BUSY, WRONG_CREDENTIALS, type LoginForm, type LoginPageRenderer } from './login-form.js';

/**
 * userPassword mode: username + password → a new session → 303 to `rd`.
 * Unknown user, wrong password, disabled account and an active ban all get
 * the same page, status and (bcrypt-bound) timing.
 */
export async function passwordLogin(ctx: AppContext, rt: Runtime, form: LoginForm, request: FastifyRequest, reply: FastifyReply, renderPage: LoginPageRenderer): Promise<FastifyReply> {
  if (typeof form.username !== 'string' || typeof form.password !== 'string' || form.username === '' || form.password === '') {
    return renderPage(400, 'Enter your username and password.');
  }
  // The portal form is the one place a one-time password from `gatehouse recover` signs in (once).
  const result = await ctx.users.checkLogin(form.username.trim(), form.password, clientIp(request, rt.trustedProxies), { useOneTimePassword: true });
  if (!result.ok) return renderPage(result.reason === 'busy' ? 503 : 401, result.reason === 'busy' ? HASHER_BUSY : WRONG_CREDENTIALS);
  return finishPasswordLogin(ctx, rt, result.user, request, reply, form.landing);
}
