/**
 * Lua run inside Redis, so that reading a document's revision and replacing
 * it happen as one step no other replica can interleave with.
 *
 * A document is a hash `{rev, json}` at `<prefix>doc:<name>`; `rev` counts
 * writes. The `state` marker says this Redis holds Gatehouse state: the first
 * write of any document sets it, and the one-time import of a data dir only
 * runs while it is absent.
 */

/**
 * KEYS: document, state marker. ARGV: the revision the writer read (`0` when
 * the document was absent), the new JSON, the notice channel, the document's
 * name, the marker's value. Returns the new revision, or -1 when someone else
 * wrote first (the writer re-reads and tries again).
 */
export const WRITE_DOCUMENT = `
local rev = redis.call('HGET', KEYS[1], 'rev') or '0'
if rev ~= ARGV[1] then return -1 end
local nextRev = (tonumber(rev) or 0) + 1
redis.call('HSET', KEYS[1], 'rev', nextRev, 'json', ARGV[2])
redis.call('SET', KEYS[2], ARGV[5], 'NX')
redis.call('PUBLISH', ARGV[3], ARGV[4])
return nextRev
`;

/**
 * KEYS: state marker, then one key per document. ARGV: the marker's value,
 * the notice channel, then the documents' names, then their JSON. Writes
 * them all, or nothing when Redis already holds any Gatehouse state.
 * Returns 1 when it imported, 0 when it did not.
 */
export const IMPORT_DOCUMENTS = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local count = #KEYS - 1
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1])
for i = 1, count do
  redis.call('HSET', KEYS[i + 1], 'rev', 1, 'json', ARGV[2 + count + i])
  redis.call('PUBLISH', ARGV[2], ARGV[2 + i])
end
return 1
`;
