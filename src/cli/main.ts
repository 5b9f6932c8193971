#!/usr/bin/env node
/**
 * `gatehouse` — administer an instance from a shell. Commands act on the data
 * dir (GATEHOUSE_DATA_DIR, default ./data); a running server picks changes up
 * live. Exit codes: 0 ok, 1 refused or failed, 2 usage.
 */
import { InvalidDocumentError } from '../../config/document-store.js';
import { AUTH_MODES } from '../../strategies/types.js';
import { UserError } from '../users/user-service.js';
import { TokenError } from '../tokens/token-service.js';
import { audit, unban } from './commands/audit-commands.js';
import { check, configGet, configSet, modeSet, secret, tokenRotate } from './commands/config-commands.js';
import { hashPassword, userCommand } from './commands/user-commands.js';
import { apiTokenCommand } from './commands/token-commands.js';
import { recover } from './commands/recover.js';
import { doctor } from './commands/doctor.js';
import { createCliContext, RefusedError, UsageError, type CliContext } from './context.js';

const USAGE = `usage: gatehouse <command>
  check                                run the boot checks; exit 0 when Gatehouse would start
  secret                               print a new random secret for GATEHOUSE_SESSION_SECRET
  mode set <${AUTH_MODES.join('|')}>   switch the authentication mode
  token rotate                         new instance token (printed once); the old one stops working
  token create --user <name> [--role viewer] [--expires 30d] [--name label] [--domains a,b]
  token list [--user <name>] [--json] | token revoke <id>
  config get <dotted.key>              print one setting as JSON
  config set <dotted.key> <value>      change one setting (JSON or plain string), validated
  user add <name> --role <role> [--password-stdin] [--name "Full Name"] [--email a@b]
  user list [--json] | passwd <name> [--password-stdin] | set-role <name> <role>
  user disable|enable|delete <name>
  user reset-2fa <name> | user require-2fa <name> on|off
  hash-password [--password-stdin]     print the hash Gatehouse would store
  audit [--user U] [--event E] [--limit N] [--json]
  unban <username|ip>                  lift a brute-force ban
  doctor [--url URL] [--token T] [--json]  judge the proxy's wiring from the checks the running server saw;
                                       exit 1 on an error (each printed with its fix)
  recover [--user <name>]              break-glass, also while the server runs: userPassword mode, any pending
                                       mode switch cancelled, and a password for a new admin (or <name>, made an
                                       enabled admin without 2FA) that signs in once on /login, to set a new one`;

async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  switch (command) {
    case 'check':
      return check(ctx);
    case 'secret':
      return secret();
    case 'mode':
      if (sub !== 'set') throw new UsageError('mode set <mode>');
      return modeSet(ctx, rest[0]);
    case 'token':
      if (sub === 'rotate') return tokenRotate(ctx);
      return apiTokenCommand(ctx, sub, rest);
    case 'config':
      if (sub === 'get') return configGet(ctx, rest[0]);
      if (sub === 'set') return configSet(ctx, rest[0], rest[1]);
      throw new UsageError('config get|set <dotted.key> [value]');
    case 'user':
      return userCommand(ctx, argv.slice(1));
    case 'hash-password':
      return hashPassword(ctx, argv.slice(1));
    case 'audit':
      return audit(ctx, argv.slice(1));
    case 'unban':
      return unban(ctx, argv.slice(1));
    case 'doctor':
      return doctor(ctx, argv.slice(1));
    case 'recover':
      return recover(ctx, argv.slice(1));
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

function report(error: unknown): number {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (error instanceof RefusedError || error instanceof UserError || error instanceof TokenError) process.stderr.write(`${error.message}\n`);
  else if (error instanceof InvalidDocumentError) process.stderr.write(`refused, the result would be invalid:\n  ${error.problems.join('\n  ')}\n`);
  else process.stderr.write(`gatehouse: ${(error as Error).message}\n`);
  return 1;
}

const ctx = createCliContext(process.env);
const code = await run(ctx, process.argv.slice(2)).catch(report);
await ctx.close();
process.exit(code);
