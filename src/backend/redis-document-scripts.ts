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

/** What the state marker says when Redis was first written by a replica with nothing to import. */
export const FIRST_RUN = 'first run';

/**
 * KEYS: state marker, then the key of every shared document. ARGV: the
 * marker's value, the notice channel, then each document's name, then each
 * one's JSON from the data dir (empty: not in the data dir, left alone).
 *
 * Imports while Redis holds no Gatehouse state, or only the untouched
 * first-run documents of a replica with an empty data dir that started at
 * the same moment (every document still at revision 1): those are replaced
 * and their replica hears the notice. Anything written since (an admin's
 * edit, a user added) means the state is in use: nothing is imported.
 * Returns 1 when it imported, 0 when it did not.
 */
export const IMPORT_DOCUMENTS = `
local marker = redis.call('GET', KEYS[1])
if marker then
  local ok, info = pcall(cjson.decode, marker)
  if not ok or type(info) ~= 'table' or info.by ~= '${FIRST_RUN}' then return 0 end
end
local count = #KEYS - 1
for i = 2, #KEYS do
  local reply = redis.pcall('HGET', KEYS[i], 'rev')
  if type(reply) == 'table' and reply.err then return 0 end
  if reply and reply ~= '1' then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1])
for i = 1, count do
  local json = ARGV[2 + count + i]
  if json ~= '' then
    local rev = tonumber(redis.call('HGET', KEYS[i + 1], 'rev') or '0') or 0
    redis.call('HSET', KEYS[i + 1], 'rev', rev + 1, 'json', json)
    redis.call('PUBLISH', ARGV[2], ARGV[2 + i])
  end
end
return 1
`;
