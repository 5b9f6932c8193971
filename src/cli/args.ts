import { UsageError } from './context.js';

/** Positional arguments and `--flag [value]` options. Boolean flags are listed so they take no value. */
export function parseArgs(argv: readonly string[], booleanFlags: readonly string[] = []): { positional: string[]; options: Map<string, string | true> } {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const name = arg.slice(2);
    if (booleanFlags.includes(name)) {
      options.set(name, true);
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
    options.set(name, value);
    i++;
  }
  return { positional, options };
}
