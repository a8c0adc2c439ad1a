// Package bottest is the test harness for handlers: a real Router over a real
// session store (miniredis, or Redis at REDIS_URL), a controllable clock, fixture
// identities, an in-memory blob store and a notifier that records messages to
// other users.
//
//	h := bottest.New(t, bottest.WithSetup(func(r *bot.Router, d *bot.Deps) { mypkg.Register(r, …) }))
//	replies := h.Say("u1", "报修")
package bottest

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"deliverybot/bot"
	"deliverybot/bot/redisstore"
	"deliverybot/bot/redisstore/redistest"
)

// Harness drives a router like a user would.
type Harness struct {
	T        testing.TB
	Router   *bot.Router
	Clock    *Clock
	Redis    *redistest.Backend
	Sessions *redisstore.Sessions
	Deps     *bot.Deps
	Notifier *Notifier
	Blobs    *MemBlobs

	seq int
}

type config struct {
	identity bot.IdentityResolver
	faq      bot.FAQ
	setup    []func(r *bot.Router, d *bot.Deps)
	formTTL  time.Duration
	backend  *redistest.Backend
	start    time.Time
	logger   *slog.Logger
}

// Option configures the harness.
type Option func(*config)

// WithSetup registers handlers (and anything else) on the router before use.
func WithSetup(f func(r *bot.Router, d *bot.Deps)) Option {
	return func(c *config) { c.setup = append(c.setup, f) }
}

// WithIdentity resolves users through res (e.g. the project registry).
func WithIdentity(res bot.IdentityResolver) Option { return func(c *config) { c.identity = res } }

// WithUsers resolves users from fixed identities; others are unknown.
func WithUsers(ids ...*bot.Identity) Option {
	return func(c *config) { c.identity = StaticIdentities(ids...) }
}

// WithFAQ sets the FAQ used for dialog digressions and deflection.
func WithFAQ(f bot.FAQ) Option { return func(c *config) { c.faq = f } }

// WithFormTTL sets how long idle forms live.
func WithFormTTL(d time.Duration) Option { return func(c *config) { c.formTTL = d } }

// WithBackend uses a specific Redis backend (e.g. one of redistest.Both).
func WithBackend(b *redistest.Backend) Option { return func(c *config) { c.backend = b } }

// WithStart sets the clock's start time (default 2026-11-26 10:00 Asia/Shanghai).
func WithStart(t time.Time) Option { return func(c *config) { c.start = t } }

// WithLogger captures the router's logs.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// Shanghai is the project's default time zone.
var Shanghai = time.FixedZone("CST", 8*3600)

// New builds a harness.
func New(t testing.TB, opts ...Option) *Harness {
	t.Helper()
	cfg := config{start: time.Date(2026, 11, 26, 10, 0, 0, 0, Shanghai),
		logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.backend == nil {
		cfg.backend = redistest.New(t)
	}
	h := &Harness{T: t, Clock: NewClock(cfg.start), Redis: cfg.backend, Notifier: &Notifier{}, Blobs: NewMemBlobs()}
	h.Sessions = redisstore.NewSessions(cfg.backend.Client, cfg.backend.Prefix, 0)
	h.Deps = &bot.Deps{Notifier: h.Notifier, Blobs: h.Blobs, Clock: h.Clock, FAQ: cfg.faq}
	h.Router = bot.NewRouter(bot.RouterOptions{Sessions: h.Sessions, Deps: h.Deps, Logger: cfg.logger,
		Clock: h.Clock, FormTTL: cfg.formTTL})
	h.Router.Use(bot.Recover())
	if cfg.identity != nil {
		h.Router.Use(bot.Identify(cfg.identity))
	}
	for _, f := range cfg.setup {
		f(h.Router, h.Deps)
	}
	return h
}

// Send delivers a message and returns the replies addressed to the sender;
// replies addressed to others are recorded in the Notifier.
func (h *Harness) Send(msg bot.Message) []bot.Reply {
	h.T.Helper()
	h.seq++
	if msg.ID == "" {
		msg.ID = "msg-" + itoa(h.seq)
	}
	if msg.Channel == "" {
		msg.Channel = bot.ChannelTest
	}
	if msg.Time.IsZero() {
		msg.Time = h.Clock.Now()
	}
	out, err := h.Router.Handle(context.Background(), msg)
	if err != nil {
		h.T.Fatalf("router error for %s %q: %v", msg.UserID, msg.Text, err)
	}
	var mine []bot.Reply
	for _, r := range out {
		if r.To != "" && r.To != msg.UserID {
			h.Notifier.record(r.To, r)
			continue
		}
		mine = append(mine, r)
	}
	return mine
}

// Say sends text as user.
func (h *Harness) Say(user, text string) []bot.Reply {
	h.T.Helper()
	return h.Send(bot.Message{UserID: user, Text: text})
}

// SayText sends text and returns all replies to the sender as plain text.
func (h *Harness) SayText(user, text string) string {
	h.T.Helper()
	return PlainText(h.Say(user, text))
}

// SendImage stores data in the blob store and sends it as a photo.
func (h *Harness) SendImage(user string, data []byte, contentType string) []bot.Reply {
	h.T.Helper()
	ref, err := h.Blobs.Put(context.Background(), data, contentType)
	if err != nil {
		h.T.Fatal(err)
	}
	return h.Send(bot.Message{UserID: user, Media: []bot.Media{{Kind: "image", Ref: ref, ContentType: contentType}}})
}

// Click presses a card button (or menu key) as user.
func (h *Harness) Click(user, key string) []bot.Reply {
	h.T.Helper()
	return h.Send(bot.Message{UserID: user, Text: key, Event: &bot.Event{Kind: bot.EventCardButton, Key: key}})
}

// PlainText joins replies as a text-only channel would show them.
func PlainText(replies []bot.Reply) string {
	parts := make([]string, len(replies))
	for i, r := range replies {
		parts[i] = r.PlainText()
	}
	return strings.Join(parts, "\n---\n")
}

// MustContain fails unless text contains every want.
func MustContain(t testing.TB, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Fatalf("reply does not contain %q:\n%s", w, text)
		}
	}
}

// MustNotContain fails if text contains any of bad.
func MustNotContain(t testing.TB, text string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(text, b) {
			t.Fatalf("reply unexpectedly contains %q:\n%s", b, text)
		}
	}
}

// Clock is a settable clock.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock starts a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Set sets the clock.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

func itoa(n int) string {
	const digits = "0123456789"
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{digits[n%10]}, b...)
		n /= 10
	}
	return string(b)
}
