import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.js';
import type { AuditLog } from '../../audit/audit-log.js';
import type { Runtime } from '../../runtime.js';
import type { LoginOptions, LoginResult, UserService } from '../../users/user-service.js';
import type { LoginForm, LoginPageRenderer } from './login-form.js';
import { passwordLogin } from './password-login.js';

/**
 * oauth2 mode with `allowLocalAdmins`: local admin accounts keep signing in
 * with a password, so an outage at the provider cannot lock the admins out.
 * It is the ordinary password login (same regulation, timing and, once it
 * exists, the same second factor) seeing a user list in which only admins can
 * succeed: anyone else gets exactly the answer a wrong password gets.
 */
export async function breakGlassLogin(ctx: AppContext, rt: Runtime, form: LoginForm, request: FastifyRequest, reply: FastifyReply, renderPage: LoginPageRenderer): Promise<FastifyReply> {
  if (rt.config.mode !== 'oauth2' || !rt.config.oauth2.allowLocalAdmins) {
    return renderPage(400, 'Sign in with your identity provider: local accounts are switched off in this mode.');
  }
  return passwordLogin({ ...ctx, users: adminsOnly(ctx.users, ctx.audit) }, rt, form, request, reply, renderPage);
}

/** The user service, except that a login by anyone but an enabled admin fails. */
function adminsOnly(users: UserService, audit: AuditLog): UserService {
  const checkLogin = async (username: string, password: string, ip: string, options?: LoginOptions): Promise<LoginResult> => {
    const result = await users.checkLogin(username, password, ip, options);
    if (!result.ok || result.user.role === 'admin') return result;
    await audit.record({ event: 'login.failure', actor: 'anonymous', target: result.user.username, ip, outcome: 'failure', details: { reason: 'not_a_break_glass_admin', method: 'password' } });
    return { ok: false, reason: 'invalid' };
  };
  return new Proxy(users, {
    get(target, property) {
      if (property === 'checkLogin') return checkLogin;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
