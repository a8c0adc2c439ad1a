package queue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Limit allows N sends per sliding window Per.
type Limit struct {
	Per time.Duration
	N   int
}

// WeComLimits are WeCom's per-app, per-member limits (30 a minute, 1000 an hour;
// beyond them messages are dropped silently), each window a second longer so
// WeCom's own counting never sees one too many.
var WeComLimits = []Limit{{Per: 61 * time.Second, N: 30}, {Per: time.Hour + time.Second, N: 1000}}

// SendLimiter paces sends per user under sliding-window limits shared by all
// replicas. It never drops: each send reserves the earliest slot that keeps every
// window within its limit, and waits for it. Slots are handed out in request
// order, so one user's replies keep their order.
type SendLimiter struct {
	rdb    redis.UniversalClient
	keys   keys
	limits []Limit
}

// NewSendLimiter uses WeComLimits when no limits are given.
func NewSendLimiter(rdb redis.UniversalClient, prefix string, limits ...Limit) *SendLimiter {
	if len(limits) == 0 {
		limits = WeComLimits
	}
	return &SendLimiter{rdb: rdb, keys: keys{prefix: prefix}, limits: limits}
}

// reserveScript keeps the user's slot times (past and reserved) in a sorted set,
// on the Redis clock. The slot is the first time at or after now and after the
// last slot where each window holds fewer than its limit; moving later only
// empties windows, so one pass per window settles it.
var reserveScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local maxw = 0
for i = 2, #ARGV, 2 do maxw = math.max(maxw, tonumber(ARGV[i])) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - maxw)
local at = now
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if #last > 0 then at = math.max(at, tonumber(last[2])) end
for i = 2, #ARGV, 2 do
  local w, n = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  local c = redis.call('ZCOUNT', KEYS[1], '(' .. (at - w), '+inf')
  if c >= n then
    local s = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (at - w), '+inf', 'WITHSCORES', 'LIMIT', c - n, 1)
    at = math.max(at, tonumber(s[2]) + w)
  end
end
redis.call('ZADD', KEYS[1], at, ARGV[1])
redis.call('PEXPIRE', KEYS[1], at - now + maxw)
return at - now
`)

// Reserve books the user's next send slot and returns how long to wait for it.
// cancel gives the slot back when the send will not happen.
func (l *SendLimiter) Reserve(ctx context.Context, userID string) (delay time.Duration, cancel func(), err error) {
	if userID == "" {
		return 0, nil, errors.New("queue: rate limit: empty user ID")
	}
	key := l.keys.rate(userID)
	member := randomHex(8)
	args := []any{member}
	for _, lim := range l.limits {
		args = append(args, lim.Per.Milliseconds(), lim.N)
	}
	ms, err := reserveScript.Run(ctx, l.rdb, []string{key}, args...).Int64()
	if err != nil {
		return 0, nil, fmt.Errorf("queue: rate limit: %w", err)
	}
	cancel = func() {
		cctx, done := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer done()
		_ = l.rdb.ZRem(cctx, key, member).Err()
	}
	return time.Duration(ms) * time.Millisecond, cancel, nil
}

// Wait blocks until the user may be sent another message. If ctx ends first the
// slot is given back and ctx's error returned. A Redis error is returned as is;
// the caller decides whether to send unpaced or retry.
func (l *SendLimiter) Wait(ctx context.Context, userID string) error {
	delay, cancel, err := l.Reserve(ctx, userID)
	if err != nil {
		return err
	}
	if delay <= 0 {
		return nil
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-ctx.Done():
		cancel()
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
