import { ROLES, type Role } from '../../../strategies/types.js';
import { WorkerPasswordHasher } from '../../users/password-hasher.js';
import { passwordProblem } from '../../users/password-policy.js';
import { RefusedError, UsageError, type CliContext } from '../context.js';
import { parseArgs } from '../args.js';
import { obtainPassword } from '../prompt.js';

function role(value: string | true | undefined): Role {
  if (typeof value !== 'string' || !ROLES.includes(value as Role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  return value as Role;
}

function announceGenerated(username: string, password: string): void {
  process.stderr.write(`Generated password for ${username} (shown once):\n`);
  process.stdout.write(`${password}\n`);
}

export async function userCommand(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { positional, options } = parseArgs(rest, ['password-stdin', 'json']);
  const name = positional[0];
  const { service } = await ctx.users();
  const need = () => {
    if (!name) throw new UsageError(`user ${sub} needs a username`);
    return name;
  };
  switch (sub) {
    case 'add': {
      const username = need();
      const { password, generated } = await obtainPassword(options.has('password-stdin'));
      const user = await service.create(
        { username, role: role(options.get('role')), password, displayName: options.get('name') as string | undefined, email: options.get('email') as string | undefined },
        ctx.actor,
      );
      if (generated) announceGenerated(user.username, password);
      process.stderr.write(`added ${user.username} (${user.role})\n`);
      return 0;
    }
    case 'list': {
      const users = service.list().map(({ username, role: r, disabled, displayName, email, createdAt }) => ({ username, role: r, disabled, displayName, email, createdAt }));
      if (options.has('json')) process.stdout.write(`${JSON.stringify(users, null, 2)}\n`);
      else for (const u of users) process.stdout.write(`${u.username}\t${u.role}${u.disabled ? '\tdisabled' : ''}\n`);
      return 0;
    }
    case 'passwd': {
      const username = need();
      const { password, generated } = await obtainPassword(options.has('password-stdin'));
      await service.setPassword(username, password, ctx.actor);
      if (generated) announceGenerated(username, password);
      process.stderr.write(`password changed for ${username}; their sessions have ended\n`);
      return 0;
    }
    case 'set-role': {
      const username = need();
      await service.setRole(username, role(positional[1]), ctx.actor);
      process.stderr.write(`${username} is now ${positional[1]}; their sessions have ended\n`);
      return 0;
    }
    case 'disable':
    case 'enable':
      await service.setDisabled(need(), sub === 'disable', ctx.actor);
      process.stderr.write(`${name} ${sub}d\n`);
      return 0;
    case 'delete':
      await service.remove(need(), ctx.actor);
      process.stderr.write(`${name} deleted\n`);
      return 0;
    case 'reset-2fa': {
      const user = service.find(need());
      if (!user) throw new RefusedError(`no user named ${name}`);
      await (await ctx.mfa()).reset(user, { actor: ctx.actor.name });
      // A running server notices the change in credentials.json and ends the user's sessions.
      process.stderr.write(`two-factor authentication reset for ${user.username}: TOTP, recovery codes and passkeys removed; their sessions end\n`);
      return 0;
    }
    case 'require-2fa': {
      const value = positional[1];
      if (value !== 'on' && value !== 'off') throw new UsageError('user require-2fa <name> on|off');
      await service.setRequires2fa(need(), value === 'on', ctx.actor);
      process.stderr.write(`${name} ${value === 'on' ? 'must now use' : 'no longer has to use'} two-factor authentication\n`);
      return 0;
    }
    default:
      throw new UsageError('user add|list|passwd|set-role|disable|enable|delete|reset-2fa|require-2fa');
  }
}

/** Prints the bcrypt hash Gatehouse would store for a password (read from stdin or a prompt). */
export async function hashPassword(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { options } = parseArgs(argv, ['password-stdin']);
  const { password, generated } = await obtainPassword(options.has('password-stdin'));
  if (generated) throw new UsageError('hash-password needs --password-stdin or a terminal to ask on');
  const problem = passwordProblem(password);
  if (problem) throw new RefusedError(problem);
  const config = await ctx.config();
  const hasher = new WorkerPasswordHasher(1);
  try {
    process.stdout.write(`${await hasher.hash(password, config.current.security.bcryptCost)}\n`);
  } finally {
    await hasher.close();
  }
  return 0;
}
