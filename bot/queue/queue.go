package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"deliverybot/bot"
)

// ErrQueueFull means a partition already holds Options.MaxLen messages; nothing
// was accepted and the sender should retry later (WeCom does on a 503).
var ErrQueueFull = errors.New("queue: partition full")

// Queue is the producer side: Accept, the callback replay guard and Stats.
type Queue struct {
	rdb  redis.UniversalClient
	keys keys
	opts Options
}

// New returns a Queue storing every key under prefix.
func New(rdb redis.UniversalClient, prefix string, opts Options) *Queue {
	opts = opts.withDefaults()
	return &Queue{rdb: rdb, keys: keys{prefix: prefix, partitions: opts.Partitions}, opts: opts}
}

// acceptScript checks the dedupe key, enqueues, and only then marks the key, in one
// atomic step (see the package comment).
var acceptScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
if redis.call('XLEN', KEYS[2]) >= tonumber(ARGV[2]) then
  return redis.error_reply('QUEUEFULL partition holds ' .. ARGV[2] .. ' messages')
end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'user', ARGV[3], 'msg', ARGV[4])
redis.call('SET', KEYS[1], id, 'PX', ARGV[1])
return id
`)

// Accept durably enqueues msg unless dedupeKey was accepted within DedupeTTL, in
// which case it reports duplicate. A nil error means the message is stored in Redis
// and will be processed; any error means it was not, and the sender must retry
// (answer 503). An empty msg.ID is set to dedupeKey so the outbox has a stable key.
func (q *Queue) Accept(ctx context.Context, msg bot.Message, dedupeKey string) (duplicate bool, err error) {
	if dedupeKey == "" {
		return false, errors.New("queue: accept: empty dedupe key")
	}
	if msg.UserID == "" {
		return false, errors.New("queue: accept: message has no user ID")
	}
	if msg.ID == "" {
		msg.ID = dedupeKey
	}
	payload, err := json.Marshal(msg)
	if err != nil {
		return false, fmt.Errorf("queue: accept: encode message: %w", err)
	}
	p := q.keys.partition(msg.UserID)
	err = acceptScript.Run(ctx, q.rdb,
		[]string{q.keys.dedupe(p, dedupeKey), q.keys.stream(p)},
		q.opts.DedupeTTL.Milliseconds(), q.opts.MaxLen, msg.UserID, payload).Err()
	switch {
	case err == nil:
		return false, nil
	case errors.Is(err, redis.Nil):
		return true, nil
	case strings.HasPrefix(err.Error(), "QUEUEFULL"):
		return false, ErrQueueFull
	default:
		return false, fmt.Errorf("queue: accept: %w", err)
	}
}

// Seen reports whether the callback (timestamp, nonce) pair was recorded within
// its TTL: a replay, or one of WeCom's own retries of an accepted callback.
func (q *Queue) Seen(ctx context.Context, ts, nonce string) (bool, error) {
	n, err := q.rdb.Exists(ctx, q.keys.replay(ts, nonce)).Result()
	if err != nil {
		return false, fmt.Errorf("queue: replay check: %w", err)
	}
	return n == 1, nil
}

// Record remembers the (timestamp, nonce) pair for ttl. Call it only after Accept
// succeeded, so a retry of a callback that failed still gets through.
func (q *Queue) Record(ctx context.Context, ts, nonce string, ttl time.Duration) error {
	if err := q.rdb.Set(ctx, q.keys.replay(ts, nonce), 1, ttl).Err(); err != nil {
		return fmt.Errorf("queue: replay record: %w", err)
	}
	return nil
}

// Stats returns the number of messages not yet acknowledged (waiting or in
// flight) across all partitions and the age of the oldest of them, measured on the
// Redis clock so replicas with skewed clocks agree.
func (q *Queue) Stats(ctx context.Context) (depth int64, oldestAge time.Duration, err error) {
	pipe := q.rdb.Pipeline()
	now := pipe.Time(ctx)
	lens := make([]*redis.IntCmd, q.opts.Partitions)
	heads := make([]*redis.XMessageSliceCmd, q.opts.Partitions)
	for p := range q.opts.Partitions {
		lens[p] = pipe.XLen(ctx, q.keys.stream(p))
		heads[p] = pipe.XRangeN(ctx, q.keys.stream(p), "-", "+", 1)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return 0, 0, fmt.Errorf("queue: stats: %w", err)
	}
	var oldest int64 = -1
	for p := range q.opts.Partitions {
		depth += lens[p].Val()
		for _, m := range heads[p].Val() {
			if ms, ok := idMillis(m.ID); ok && (oldest < 0 || ms < oldest) {
				oldest = ms
			}
		}
	}
	if oldest >= 0 {
		oldestAge = max(0, now.Val().Sub(time.UnixMilli(oldest)))
	}
	return depth, oldestAge, nil
}

// DeadLetters counts messages moved aside after repeated failures.
func (q *Queue) DeadLetters(ctx context.Context) (int64, error) {
	pipe := q.rdb.Pipeline()
	lens := make([]*redis.IntCmd, q.opts.Partitions)
	for p := range q.opts.Partitions {
		lens[p] = pipe.XLen(ctx, q.keys.dead(p))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, fmt.Errorf("queue: dead letters: %w", err)
	}
	var n int64
	for _, c := range lens {
		n += c.Val()
	}
	return n, nil
}

// idMillis is the creation time in a stream ID "<ms>-<seq>".
func idMillis(id string) (int64, bool) {
	ms, _, ok := strings.Cut(id, "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(ms, 10, 64)
	return n, err == nil
}
