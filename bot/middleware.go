package bot

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"time"
	"unicode/utf8"
)

// Logging logs every request with its ID, how long it took and how many replies it produced.
func Logging() Middleware {
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, req *Request) ([]Reply, error) {
			start := time.Now()
			out, err := next.Handle(ctx, req)
			attrs := []any{"text_len", utf8.RuneCountInString(req.Msg.Text), "media", len(req.Msg.Media),
				"replies", len(out), "took", time.Since(start)}
			if req.Msg.Event != nil {
				attrs = append(attrs, "event", string(req.Msg.Event.Kind))
			}
			if err != nil {
				req.Log.Error("request failed", append(attrs, "err", err)...)
			} else {
				req.Log.Info("request", attrs...)
			}
			return out, err
		})
	}
}

// Recover turns a panic into the standard apology, logged with the request ID and stack.
func Recover() Middleware {
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, req *Request) (out []Reply, err error) {
			defer func() {
				if p := recover(); p != nil {
					req.Log.Error("panic in handler", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
					req.failed = true
					out, err = []Reply{Text(SorryText)}, nil
				}
			}()
			return next.Handle(ctx, req)
		})
	}
}

// Identify resolves the speaking user before handlers run. A lookup failure is
// logged and the user is treated as unknown rather than refused service.
func Identify(res IdentityResolver) Middleware {
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, req *Request) ([]Reply, error) {
			id, err := res.Resolve(ctx, req.Msg.UserID)
			if err != nil || id == nil {
				if err != nil {
					req.Log.Warn("identity lookup failed", "err", err)
				}
				id = &Identity{UserID: req.Msg.UserID}
			}
			req.Identity = id
			return next.Handle(ctx, req)
		})
	}
}

// RateLimit allows each user burst messages at once and then one every per; the
// excess gets one polite warning and is dropped until the bucket refills.
func RateLimit(burst int, per time.Duration) Middleware {
	l := &limiter{burst: float64(burst), per: per, users: map[string]*bucket{}}
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, req *Request) ([]Reply, error) {
			allowed, warn := l.take(req.Msg.UserID, req.Now)
			if !allowed {
				req.failed = true // nothing changed: keep the session as it was
				if warn {
					return []Reply{Text("您发送得太快了，请稍等片刻再试。")}, nil
				}
				return nil, nil
			}
			return next.Handle(ctx, req)
		})
	}
}

type bucket struct {
	tokens float64
	last   time.Time
	warned bool
}

type limiter struct {
	mu    sync.Mutex
	burst float64
	per   time.Duration
	users map[string]*bucket
}

func (l *limiter) take(user string, now time.Time) (allowed, warn bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.users[user]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.users[user] = b
	}
	b.tokens = min(l.burst, b.tokens+float64(now.Sub(b.last))/float64(l.per))
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		b.warned = false
		return true, false
	}
	warn = !b.warned
	b.warned = true
	return false, warn
}
