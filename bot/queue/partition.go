package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"deliverybot/bot"
)

// handedIdle is the idle time given to entries a pool hands back on a graceful
// stop: far beyond any IdleTimeout, so the next holder claims them at once.
const handedIdle = 24 * time.Hour

var renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`)

// releaseScript hands this pool's unfinished entries back (marking them idle)
// and drops the lease, only while the lease is still ours. A consumer left with
// nothing pending is removed from the group, so restarts do not pile up names;
// one with pending entries must stay, or those entries would be lost.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
for i = 4, #ARGV do
  redis.call('XCLAIM', KEYS[2], ARGV[2], ARGV[1], 0, ARGV[i], 'IDLE', ARGV[3], 'JUSTID')
end
if #redis.call('XPENDING', KEYS[2], ARGV[2], '-', '+', 1, ARGV[1]) == 0 then
  redis.call('XGROUP', 'DELCONSUMER', KEYS[2], ARGV[2], ARGV[1])
end
redis.call('DEL', KEYS[1])
return 1
`)

// ackScript acknowledges and deletes a finished entry, so the stream holds only
// unfinished work and its length is the queue depth.
var ackScript = redis.NewScript(`
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
return redis.call('XDEL', KEYS[1], ARGV[2])
`)

// deadScript moves an entry to the dead-letter stream with the reason.
var deadScript = redis.NewScript(`
local e = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])
local fields = {'id', ARGV[2], 'reason', ARGV[3]}
if #e > 0 then
  for _, v in ipairs(e[1][2]) do table.insert(fields, v) end
end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', unpack(fields))
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
return redis.call('XDEL', KEYS[1], ARGV[2])
`)

// entry is one stream entry handed to this pool.
type entry struct {
	id         string
	values     map[string]any
	deliveries int64
}

func (p *Pool) acquire(ctx context.Context, part int) (bool, error) {
	return p.q.rdb.SetNX(ctx, p.q.keys.lease(part), p.opts.Consumer, p.opts.LeaseTTL).Result()
}

// serve processes the leased partition until stop, lease loss or a yield to
// another pool (reported as true; the slot is then already given up).
func (p *Pool) serve(stopCtx, workCtx context.Context, part int) (yielded bool) {
	leaseCtx, lose := context.WithCancel(workCtx)
	loopCtx, stopLoop := context.WithCancel(leaseCtx)
	defer stopLoop()
	unhook := context.AfterFunc(stopCtx, stopLoop)
	defer unhook()

	renewed := make(chan struct{})
	go func() { defer close(renewed); p.keepLease(leaseCtx, lose, part) }()
	defer func() {
		lose()
		<-renewed
		if !p.crashOnStop {
			p.release(part)
		}
	}()

	if err := p.ensureGroup(loopCtx, part); err != nil {
		p.opts.Logger.Warn("queue: create consumer group", "partition", part, "err", err)
		return false
	}
	failures := 0
	for loopCtx.Err() == nil {
		if p.tryYield() {
			return true
		}
		e, err := p.next(loopCtx, part)
		switch {
		case err != nil:
			if loopCtx.Err() != nil {
				return false
			}
			if strings.Contains(err.Error(), "NOTLEASED") {
				p.opts.Logger.Warn("queue: partition lease lost", "partition", part)
				return false
			}
			failures++
			p.opts.Logger.Warn("queue: read partition", "partition", part, "err", err)
			sleep(loopCtx, min(p.opts.PollInterval<<min(failures, 6), 5*time.Second))
		case e == nil:
			failures = 0
			sleep(loopCtx, p.opts.PollInterval)
		default:
			failures = 0
			p.handle(loopCtx, leaseCtx, part, e)
		}
	}
	return false
}

// keepLease renews the lease every LeaseTTL/3 and calls lose when it is gone or
// could not be renewed for most of its TTL (it may have expired by then).
func (p *Pool) keepLease(ctx context.Context, lose context.CancelFunc, part int) {
	every := p.opts.LeaseTTL / 3
	lastOK := time.Now()
	for sleep(ctx, every) {
		ok, err := renewScript.Run(ctx, p.q.rdb, []string{p.q.keys.lease(part)},
			p.opts.Consumer, p.opts.LeaseTTL.Milliseconds()).Bool()
		switch {
		case err == nil && ok:
			lastOK = time.Now()
		case err == nil:
			p.opts.Logger.Warn("queue: partition lease lost", "partition", part)
			lose()
			return
		case time.Since(lastOK) > p.opts.LeaseTTL-every:
			p.opts.Logger.Warn("queue: partition lease not renewed, giving it up", "partition", part, "err", err)
			lose()
			return
		}
	}
}

// release hands back unfinished entries and drops the lease after a graceful
// stop or a yield; with the lease already lost it does nothing.
func (p *Pool) release(part int) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	pend, err := p.q.rdb.XPendingExt(ctx, &redis.XPendingExtArgs{
		Stream: p.q.keys.stream(part), Group: group, Start: "-", End: "+", Count: 100, Consumer: p.opts.Consumer,
	}).Result()
	if err != nil && !isNoGroup(err) {
		p.opts.Logger.Warn("queue: list unfinished entries", "partition", part, "err", err)
	}
	args := []any{p.opts.Consumer, group, handedIdle.Milliseconds()}
	for _, e := range pend {
		args = append(args, e.ID)
	}
	err = releaseScript.Run(ctx, p.q.rdb, []string{p.q.keys.lease(part), p.q.keys.stream(part)}, args...).Err()
	if err != nil {
		p.opts.Logger.Warn("queue: release partition", "partition", part, "err", err)
	}
}

func (p *Pool) ensureGroup(ctx context.Context, part int) error {
	// Start at 0, not $: messages accepted before any pool ran must be processed.
	err := p.q.rdb.XGroupCreateMkStream(ctx, p.q.keys.stream(part), group, "0").Err()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return err
	}
	return nil
}

func isNoGroup(err error) bool { return err != nil && strings.Contains(err.Error(), "NOGROUP") }

// nextScript picks the entry to process now, fenced by the lease so a worker
// that lost its partition cannot read or claim anything more. If the group has a
// pending entry, it comes first: claimed once its owner has been idle for
// ARGV[3] ms (at once if the owner is this consumer, e.g. restarted under a fixed
// name), otherwise the caller waits; later entries must not overtake it. Only
// with nothing pending is a new entry read. Replies:
// {'wait'} | {'poison', id, owner, deliveries} | {'gone'} |
// {'claimed', id, owner, deliveries, fields} | {'new', id, ”, 1, fields} | nil.
var nextScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return redis.error_reply('NOTLEASED partition lease lost')
end
local pend = redis.call('XPENDING', KEYS[2], ARGV[2], '-', '+', 1)
if #pend > 0 then
  local id, owner, idle, n = pend[1][1], pend[1][2], tonumber(pend[1][3]), tonumber(pend[1][4])
  if owner ~= ARGV[1] and idle < tonumber(ARGV[3]) then return {'wait'} end
  if n >= tonumber(ARGV[4]) then return {'poison', id, owner, n} end
  local c = redis.call('XCLAIM', KEYS[2], ARGV[2], ARGV[1], 0, id)
  if #c == 0 or not c[1] then
    redis.call('XACK', KEYS[2], ARGV[2], id)
    return {'gone'}
  end
  if owner ~= ARGV[1] and #redis.call('XPENDING', KEYS[2], ARGV[2], '-', '+', 1, owner) == 0 then
    -- the dead worker holds nothing more here; forget its name
    redis.call('XGROUP', 'DELCONSUMER', KEYS[2], ARGV[2], owner)
  end
  return {'claimed', id, owner, n + 1, c[1][2]}
end
local r = redis.call('XREADGROUP', 'GROUP', ARGV[2], ARGV[1], 'COUNT', 1, 'STREAMS', KEYS[2], '>')
if not r then return false end
local e = r[1][2][1]
return {'new', e[1], '', 1, e[2]}
`)

// next returns the entry to process now, or nil when there is nothing to do yet.
func (p *Pool) next(ctx context.Context, part int) (*entry, error) {
	reply, err := nextScript.Run(ctx, p.q.rdb, []string{p.q.keys.lease(part), p.q.keys.stream(part)},
		p.opts.Consumer, group, p.opts.IdleTimeout.Milliseconds(), p.opts.MaxDeliveries).Slice()
	switch {
	case errors.Is(err, redis.Nil):
		return nil, nil
	case isNoGroup(err):
		return nil, p.ensureGroup(ctx, part)
	case err != nil:
		return nil, err
	}
	kind, _ := reply[0].(string)
	switch kind {
	case "wait", "gone":
		return nil, nil
	case "poison":
		id, owner, n := reply[1].(string), reply[2].(string), reply[3]
		p.opts.Logger.Error("queue: message keeps crashing workers, moved to dead letters",
			"partition", part, "id", id, "last_owner", owner, "deliveries", n)
		return nil, p.deadLetter(ctx, part, id, fmt.Sprintf("delivered %v times without finishing", n))
	case "claimed", "new":
		e := &entry{id: reply[1].(string), deliveries: toInt64(reply[3]), values: fieldMap(reply[4])}
		if owner := reply[2].(string); kind == "claimed" && owner != p.opts.Consumer {
			p.opts.Logger.Info("queue: reclaimed message from idle worker", "partition", part, "id", e.id, "from", owner)
		}
		return e, nil
	}
	return nil, fmt.Errorf("queue: unexpected reply %v", reply)
}

func toInt64(v any) int64 {
	n, _ := v.(int64)
	return n
}

// fieldMap turns a stream entry's flat field/value list into a map.
func fieldMap(v any) map[string]any {
	flat, _ := v.([]any)
	m := make(map[string]any, len(flat)/2)
	for i := 0; i+1 < len(flat); i += 2 {
		if k, ok := flat[i].(string); ok {
			m[k] = flat[i+1]
		}
	}
	return m
}

// handle processes one entry, retrying in place, and acknowledges it. It leaves
// the entry pending when the pool stops or loses the lease.
func (p *Pool) handle(loopCtx, leaseCtx context.Context, part int, e *entry) {
	msg, err := decodeEntry(e)
	if err != nil {
		p.opts.Logger.Error("queue: undecodable message moved to dead letters", "partition", part, "id", e.id, "err", err)
		p.mustDeadLetter(leaseCtx, part, e.id, "undecodable: "+err.Error())
		return
	}
	backoff := p.opts.RetryBackoff
	for attempt := 1; ; attempt++ {
		err := p.call(leaseCtx, msg)
		if err == nil {
			p.ack(leaseCtx, part, e.id)
			return
		}
		if leaseCtx.Err() != nil {
			return // cancelled: shutdown timeout or lost lease; the entry stays pending
		}
		if attempt >= p.opts.MaxAttempts {
			p.opts.Logger.Error("queue: message failed, moved to dead letters",
				"partition", part, "id", e.id, "msg_id", msg.ID, "attempts", attempt, "err", err)
			p.mustDeadLetter(leaseCtx, part, e.id, err.Error())
			if p.opts.OnDeadLetter != nil {
				p.opts.OnDeadLetter(leaseCtx, msg, err.Error())
			}
			return
		}
		p.opts.Logger.Warn("queue: message failed, will retry",
			"partition", part, "id", e.id, "msg_id", msg.ID, "attempt", attempt, "err", err)
		if !sleep(loopCtx, backoff) {
			return // stopping: the entry is handed to the next holder
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

// call runs the handler, turning a panic into an error so one bad message cannot
// kill the pool.
func (p *Pool) call(ctx context.Context, msg bot.Message) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("queue: handler panic: %v\n%s", r, debug.Stack())
		}
	}()
	return p.process(ctx, msg)
}

// ack retries until it succeeds or the lease is gone: an unacknowledged finished
// message would be processed again.
func (p *Pool) ack(ctx context.Context, part int, id string) {
	for wait := p.opts.PollInterval; ; wait = min(2*wait, 5*time.Second) {
		err := ackScript.Run(ctx, p.q.rdb, []string{p.q.keys.stream(part)}, group, id).Err()
		if err == nil {
			return
		}
		p.opts.Logger.Warn("queue: acknowledge message", "partition", part, "id", id, "err", err)
		if !sleep(ctx, wait) {
			return
		}
	}
}

func (p *Pool) deadLetter(ctx context.Context, part int, id, reason string) error {
	return deadScript.Run(ctx, p.q.rdb, []string{p.q.keys.stream(part), p.q.keys.dead(part)},
		group, id, reason, 10000).Err()
}

func (p *Pool) mustDeadLetter(ctx context.Context, part int, id, reason string) {
	for wait := p.opts.PollInterval; ; wait = min(2*wait, 5*time.Second) {
		err := p.deadLetter(ctx, part, id, reason)
		if err == nil {
			return
		}
		p.opts.Logger.Warn("queue: dead-letter message", "partition", part, "id", id, "err", err)
		if !sleep(ctx, wait) {
			return
		}
	}
}

func decodeEntry(e *entry) (bot.Message, error) {
	var msg bot.Message
	raw, ok := e.values["msg"].(string)
	if !ok {
		return msg, errors.New("entry has no msg field")
	}
	if err := json.Unmarshal([]byte(raw), &msg); err != nil {
		return msg, err
	}
	return msg, nil
}
