package queue

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"deliverybot/bot"
)

// ErrMaybeSent means an earlier attempt at this reply started and its outcome is
// unknown (the worker crashed mid-send, the send timed out, or another worker is
// sending it right now). The reply is not sent again: callers log it and move on,
// they must not retry.
var ErrMaybeSent = errors.New("queue: reply may already have been sent")

// Outbox records, per message and reply index, that a reply is being sent or was
// sent, so a message processed again after a crash never sends a reply twice.
//
// Semantics: never twice, at the cost of at-most-once in one window. The mark
// "sending" is set (SET NX) before send runs and "sent" after. A worker that
// dies between the two leaves "sending", and the reply is then not retried
// (ErrMaybeSent). A send that fails with an error wrapped by NotSent — the channel
// certainly did not deliver it — clears the mark so a retry sends it. Any other
// send error is treated as "maybe delivered" and also not retried.
type Outbox struct {
	rdb  redis.UniversalClient
	keys keys
	ttl  time.Duration
	sync func(ctx context.Context) error // nil: the store is durable on write
}

// WithSync makes SendOnce persist its "sending" mark with sync before it
// sends (for a store that is durable only when told, like the embedded one):
// otherwise a crash right after a send would lose the mark and send again.
func (o *Outbox) WithSync(sync func(ctx context.Context) error) *Outbox {
	o.sync = sync
	return o
}

// NewOutbox keeps marks for ttl (default 48 h), which must exceed how long a
// message can wait in the queue.
func NewOutbox(rdb redis.UniversalClient, prefix string, ttl time.Duration) *Outbox {
	if ttl <= 0 {
		ttl = 48 * time.Hour
	}
	return &Outbox{rdb: rdb, keys: keys{prefix: prefix}, ttl: ttl}
}

type notSentError struct{ err error }

func (e notSentError) Error() string { return e.err.Error() }
func (e notSentError) Unwrap() error { return e.err }

// NotSent wraps a send error that proves the reply was not delivered (e.g. the
// API answered with an error code), allowing SendOnce to try again later.
func NotSent(err error) error {
	if err == nil {
		return nil
	}
	return notSentError{err}
}

// IsNotSent reports whether err was wrapped by NotSent.
func IsNotSent(err error) bool {
	var ns notSentError
	return errors.As(err, &ns)
}

// clearScript deletes the mark only if it is still this attempt's.
var clearScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

const sentMark = "sent"

// Marked reports whether reply idx of message msgID was sent or is being
// sent, so a caller can skip work (such as waiting for a send budget) that
// only a first send needs.
func (o *Outbox) Marked(ctx context.Context, msgID string, idx int) (bool, error) {
	n, err := o.rdb.Exists(ctx, o.keys.outbox(msgID, idx)).Result()
	if err != nil {
		return false, fmt.Errorf("queue: outbox: %w", err)
	}
	return n > 0, nil
}

// SendOnce calls send unless reply idx of message msgID was sent or is being sent.
// It returns nil when the reply has been sent, now or before; an error wrapping
// ErrMaybeSent when an earlier attempt's outcome is unknown; the send error
// (retryable) when it was wrapped by NotSent; or a Redis error before anything
// was sent (retryable).
func (o *Outbox) SendOnce(ctx context.Context, msgID string, idx int, send func(ctx context.Context) error) error {
	key := o.keys.outbox(msgID, idx)
	token := "sending:" + randomHex(8)
	ok, err := o.rdb.SetNX(ctx, key, token, o.ttl).Result()
	if err != nil {
		return fmt.Errorf("queue: outbox: %w", err)
	}
	if !ok {
		state, err := o.rdb.Get(ctx, key).Result()
		if err == nil && state == sentMark {
			return nil
		}
		return fmt.Errorf("%w (message %s, reply %d)", ErrMaybeSent, msgID, idx)
	}
	if o.sync != nil {
		if err := o.sync(ctx); err != nil {
			// Nothing sent: drop the mark so a retry can send.
			clearCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			defer cancel()
			_ = clearScript.Run(clearCtx, o.rdb, []string{key}, token).Err()
			return fmt.Errorf("queue: outbox: persist mark: %w", err)
		}
	}
	if err := send(ctx); err != nil {
		if IsNotSent(err) {
			clearCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			defer cancel()
			if cerr := clearScript.Run(clearCtx, o.rdb, []string{key}, token).Err(); cerr != nil {
				return fmt.Errorf("%w (message %s, reply %d): send: %v; clearing mark: %v", ErrMaybeSent, msgID, idx, err, cerr)
			}
			return err
		}
		return fmt.Errorf("%w (message %s, reply %d): %v", ErrMaybeSent, msgID, idx, err)
	}
	// A failure here leaves "sending", which later attempts read as maybe-sent:
	// still never twice.
	markCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	_ = o.rdb.SetArgs(markCtx, key, sentMark, redis.SetArgs{Mode: "XX", KeepTTL: true}).Err()
	return nil
}

// SendAll sends replies in order, each at most once (reply i under index i). It
// stops at the first retryable error so a retry resumes in order; replies that may
// already have been sent are skipped and reported together, wrapping ErrMaybeSent.
func (o *Outbox) SendAll(ctx context.Context, msgID string, replies []bot.Reply, send func(ctx context.Context, r bot.Reply) error) error {
	var maybe []error
	for i, r := range replies {
		err := o.SendOnce(ctx, msgID, i, func(ctx context.Context) error { return send(ctx, r) })
		switch {
		case err == nil:
		case errors.Is(err, ErrMaybeSent):
			maybe = append(maybe, err)
		default:
			return fmt.Errorf("reply %s of message %s: %w", strconv.Itoa(i), msgID, err)
		}
	}
	return errors.Join(maybe...)
}
