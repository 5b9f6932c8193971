import { z } from 'zod';
import { FileDocuments } from './file-documents.js';
import { schemaCodec } from './schema-codec.js';
import { WatchedDocument } from './watched-document.js';

export const BansFileSchema = z.strictObject({
  version: z.literal(1),
  bans: z.array(z.strictObject({ kind: z.enum(['user', 'ip']), key: z.string().min(1), until: z.number().int() })).default([]),
});
export type BansFile = z.infer<typeof BansFileSchema>;

/** bans.json: active brute-force bans, so they survive a restart and `gatehouse unban` can lift them. */
export class BansStore extends WatchedDocument<BansFile> {
  constructor(dataDir: string) {
    super(new FileDocuments(dataDir).document('bans.json', schemaCodec(BansFileSchema, () => ({ version: 1, bans: [] }))));
  }
}
