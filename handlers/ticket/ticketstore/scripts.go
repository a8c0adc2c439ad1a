package ticketstore

import "github.com/redis/go-redis/v9"

// createScript stores a new ticket unless its source message already made one.
// KEYS: source-message key, ticket hash, event list, index sets…
// ARGV: id, record JSON, first event JSON, index score, source TTL seconds.
var createScript = redis.NewScript(`
local prev = redis.call('GET', KEYS[1])
if prev then return prev end
if redis.call('EXISTS', KEYS[2]) == 1 then return redis.error_reply('ticket id already used') end
redis.call('HSET', KEYS[2], 'id', ARGV[1], 'data', ARGV[2], 'ver', 1)
redis.call('RPUSH', KEYS[3], ARGV[3])
for i = 4, #KEYS do redis.call('ZADD', KEYS[i], ARGV[4], ARGV[1]) end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[5]))
return ARGV[1]
`)

// updateScript is a compare-and-set on the ticket version that also appends the
// event and moves the ticket between indexes. Returns the new version, 0 when the
// version moved on (retry), -1 when the ticket does not exist.
// KEYS: ticket hash, event list, index sets…; ARGV: expected version, record JSON,
// event JSON (or ""), index score, then "+"/"-" per index set.
var updateScript = redis.NewScript(`
local v = redis.call('HGET', KEYS[1], 'ver')
if not v then return -1 end
if tonumber(v) ~= tonumber(ARGV[1]) then return 0 end
local id = redis.call('HGET', KEYS[1], 'id')
local nv = tonumber(v) + 1
redis.call('HSET', KEYS[1], 'data', ARGV[2], 'ver', nv)
if ARGV[3] ~= '' then redis.call('RPUSH', KEYS[2], ARGV[3]) end
for i = 3, #KEYS do
  if ARGV[i + 2] == '+' then redis.call('ZADD', KEYS[i], ARGV[4], id) else redis.call('ZREM', KEYS[i], id) end
end
return nv
`)
