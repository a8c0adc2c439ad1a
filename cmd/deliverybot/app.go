package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"deliverybot/bot"
	"deliverybot/bot/redisstore"
	"deliverybot/bot/registry"
	"deliverybot/handlers/status"
	"deliverybot/handlers/ticket"
	"deliverybot/handlers/ticket/ticketstore"
	"deliverybot/knowledge"
)

// app is the wired bot shared by chat and serve: stores, router, handlers.
type app struct {
	cfg      commonConfig
	log      *slog.Logger
	conn     *redisstore.Conn
	sessions *redisstore.Sessions
	router   *bot.Router
	deps     *bot.Deps
	// users lists demo people for the terminal's /users (set by the registry wiring).
	users       func() []string
	registry    *registry.Registry
	tickets     *ticket.Service
	ticketStore *ticketstore.Store
	kb          *knowledge.Store
	status      *status.Service
	// background are long-running jobs (SLA checks, digest, KB watch) that serve starts.
	background []func(ctx context.Context) error
	closers    []func() error
}

// wiring registers one feature on the app; order matters (identity before the
// features that use it, the KB before tickets that deflect to it).
type wiring struct {
	name string
	fn   func(ctx context.Context, a *app) error
}

var wirings = []wiring{
	{"projects registry", wireRegistry},
	{"blob store", wireBlobs},
	{"knowledge base", wireKB},
	{"tickets", wireTickets},
	{"project status", wireStatus},
}

func newLogger(w io.Writer, level string, def slog.Level) *slog.Logger {
	lv := def
	if level != "" {
		_ = lv.UnmarshalText([]byte(level))
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lv}))
}

// newApp opens the store and builds the router with every feature registered.
func newApp(ctx context.Context, cfg commonConfig, log *slog.Logger, notifier bot.Notifier) (*app, error) {
	rc := cfg.redisConfig()
	rc.Logger = log
	conn, err := redisstore.Open(ctx, rc)
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, log: log, conn: conn}
	a.closers = append(a.closers, conn.Close)
	a.sessions = redisstore.NewSessions(conn.Client, conn.Prefix, 0)
	a.deps = &bot.Deps{Notifier: notifier, Clock: bot.SystemClock{}}
	a.router = bot.NewRouter(bot.RouterOptions{Sessions: a.sessions, Deps: a.deps, Logger: log, FormTTL: cfg.FormTTL})
	a.router.Use(bot.Logging(), bot.Recover())
	for _, w := range wirings {
		if err := w.fn(ctx, a); err != nil {
			_ = a.Close()
			return nil, fmt.Errorf("%s: %w", w.name, err)
		}
	}
	return a, nil
}

// Close releases everything in reverse order; the embedded store snapshots last.
func (a *app) Close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	return errors.Join(errs...)
}
