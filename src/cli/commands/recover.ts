import { randomBytes } from 'node:crypto';
import type { Config } from '../../../config/schema.js';
import { parseArgs } from '../args.js';
import type { CliContext } from '../context.js';

/**
 * Break-glass from a shell, while the server runs: make sure one admin can
 * sign in with a password (creating one, or restoring the one named), print
 * a one-time password for it, cancel any pending mode switch, and switch to
 * userPassword mode. The running server (every replica, with Redis) picks every change up.
 *
 * The password is one-time (`mustChangePassword`): it signs in once, on the
 * portal's login form only (never JSON login or Basic auth), into a session
 * that can only set a new password; from then on it verifies nowhere.
 */
export async function recover(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { options } = parseArgs(argv);
  const requested = options.get('user');
  const { service: users } = await ctx.users();
  const mfa = await ctx.mfa();
  const config = await ctx.config();
  const password = randomBytes(18).toString('base64url');
  let username = typeof requested === 'string' ? requested : 'admin';
  const existing = users.find(username);
  if (existing) {
    if (existing.role !== 'admin') await users.setRole(existing.username, 'admin', ctx.actor);
    if (existing.disabled) await users.setDisabled(existing.username, false, ctx.actor);
    // A lost authenticator is the usual reason to be here: the account must be usable with the password alone.
    if (mfa.hasSecondFactor(existing.id) || mfa.status(existing.id).recoveryCodesLeft > 0) await mfa.reset(existing, { actor: ctx.actor.name });
    if (existing.requires2fa) await users.setRequires2fa(existing.username, false, ctx.actor);
    await users.setPassword(existing.username, password, ctx.actor, { mustChange: true });
    username = existing.username;
  } else {
    if (typeof requested !== 'string' && users.find('admin')) username = `admin-${randomBytes(2).toString('hex')}`;
    await users.create({ username, role: 'admin' }, ctx.actor);
    await users.setPassword(username, password, ctx.actor, { mustChange: true });
  }
  // A switch waiting for confirmation would otherwise roll back over the recovery (on every replica: they hear the notice).
  const pending = await ctx.pendingSwitch();
  try {
    await pending.clear();
  } finally {
    pending.close();
  }
  const before = config.current.mode;
  await config.update((c) => ({ ...c, mode: 'userPassword' }) as Config);
  await ctx.audit().record({ event: 'recover', actor: ctx.actor.name, target: username, details: { from: before, to: 'userPassword' } });
  process.stderr.write(
    `Recovered: Gatehouse is in userPassword mode (was ${before}). Sign in as "${username}" on the portal's /login page with this password. ` +
      'It works once, there only (not for JSON login or Basic auth), and the next step asks for your new password:\n',
  );
  process.stdout.write(`${password}\n`);
  return 0;
}
