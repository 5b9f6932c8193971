import { ConfigSchema, type Config } from '../../config/schema.js';

/** Two large JSON texts (~1 MiB each) that differ everywhere, so a torn write can't pass for either. */
export function crashDocuments(): [string, string] {
  const make = (tag: string) => JSON.stringify({ tag, items: Array.from({ length: 16_000 }, (_, i) => `${tag}-${i}-${'x'.repeat(48)}`) });
  return [make('A'), make('B')];
}

/** Two valid configs with many rules each, for writes through the config store. */
export function crashConfigs(): [Config, Config] {
  const make = (tag: string, policy: 'bypass' | 'deny') =>
    ConfigSchema.parse({
      version: 1,
      mode: 'open',
      domains: ['example.com'],
      defaultPolicy: policy === 'bypass' ? 'deny' : 'one_factor',
      rules: Array.from({ length: 2_000 }, (_, i) => ({ name: `${tag}-${i}`, domain: `h${i}.example.com`, path: `/${tag}/${i}`, policy })),
    });
  return [make('a', 'bypass'), make('b', 'deny')];
}
