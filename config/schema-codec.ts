import type { z } from 'zod';
import { InvalidDocumentError, type DocumentCodec } from './document-store.js';
import { formatIssues } from './schema.js';

/** A codec whose documents are whatever `schema` accepts; a refusal lists each bad field. */
export function schemaCodec<T>(schema: z.ZodType<T, unknown>, initial: () => NoInfer<T>): DocumentCodec<T> {
  return {
    decode: (raw, file) => {
      const result = schema.safeParse(raw);
      if (!result.success) throw new InvalidDocumentError(file, formatIssues(result.error));
      return result.data;
    },
    initial,
  };
}
