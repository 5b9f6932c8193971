import { parseDuration, isDuration } from '../../../config/duration.js';
import { ROLES, type Role } from '../../../strategies/types.js';
import { tokenView } from '../../tokens/token-service.js';
import { parseArgs } from '../args.js';
import { RefusedError, UsageError, type CliContext } from '../context.js';

/** `gatehouse token create|list|revoke` for per-user API tokens (instance token: `token rotate`). */
export async function apiTokenCommand(ctx: CliContext, sub: string | undefined, argv: readonly string[]): Promise<number> {
  const { positional, options } = parseArgs(argv, ['json']);
  const tokens = await ctx.tokens();
  const { service: users } = await ctx.users();
  switch (sub) {
    case 'create': {
      const username = options.get('user');
      if (typeof username !== 'string') throw new UsageError('token create --user <name> [--role viewer] [--expires 30d] [--name label] [--domains a.example.com,b.example.com]');
      const owner = users.find(username);
      if (!owner) throw new RefusedError(`no user named ${username}`);
      const role = options.get('role');
      if (role !== undefined && !ROLES.includes(role as Role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
      const expires = options.get('expires');
      if (expires !== undefined && (typeof expires !== 'string' || !isDuration(expires))) throw new UsageError('--expires takes a duration like 30d or 12h');
      const domains = options.get('domains');
      const { token, record } = await tokens.create(
        owner,
        {
          name: typeof options.get('name') === 'string' ? (options.get('name') as string) : 'cli',
          role: role as Role | undefined,
          expiresInMs: typeof expires === 'string' ? parseDuration(expires) : null,
          domains: typeof domains === 'string' ? domains.split(',').map((d) => d.trim().toLowerCase()) : undefined,
        },
        ctx.actor,
      );
      process.stderr.write(`API token ${record.id} for ${owner.username} (${record.role}${record.expiresAt ? `, expires ${record.expiresAt}` : ''}); shown once:\n`);
      process.stdout.write(`${token}\n`);
      return 0;
    }
    case 'list': {
      const username = options.get('user');
      const owner = typeof username === 'string' ? users.find(username) : undefined;
      if (typeof username === 'string' && !owner) throw new RefusedError(`no user named ${username}`);
      const views = tokens.list(owner?.id).map((t) => tokenView(t, users.findById(t.userId)?.username ?? '?'));
      if (options.has('json')) process.stdout.write(`${JSON.stringify(views, null, 2)}\n`);
      else for (const t of views) process.stdout.write(`${t.id}\t${t.user}\t${t.role}\t${t.name}\t${t.expiresAt ?? 'never'}\n`);
      return 0;
    }
    case 'revoke': {
      const id = positional[0];
      if (!id) throw new UsageError('token revoke <id>');
      if (!(await tokens.revoke(id, ctx.actor))) throw new RefusedError(`no token ${id}`);
      process.stderr.write(`token ${id} revoked\n`);
      return 0;
    }
    default:
      throw new UsageError('token rotate | token create|list|revoke');
  }
}
