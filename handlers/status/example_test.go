package status_test

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"deliverybot/bot"
	"deliverybot/bot/dates"
	"deliverybot/bot/registry"
	"deliverybot/handlers/status"
)

// Example_wiring shows how cmd/deliverybot wires the registry, the status feature,
// the weekly digest and the project CLI.
func Example_wiring() {
	ctx := context.Background()
	var (
		rdb      redis.UniversalClient // the shared client
		prefix   = "deliverybot:"      // the shared key prefix
		router   *bot.Router
		notifier bot.Notifier
		tickets  status.TicketStats // e.g. the *ticket.Service; nil until wired
	)
	reg, err := registry.Open("deploy/demo/projects.yaml",
		&registry.RedisChangeLog{Client: rdb, Prefix: prefix},
		registry.WithLocation(dates.Shanghai()), registry.WithLogger(slog.Default()))
	if err != nil {
		return // print err: one "file:line: field: problem" per line
	}
	go reg.Watch(ctx, 2*time.Second) // reload on edit or SIGHUP
	router.Use(bot.Identify(reg))

	deps := status.Deps{Registry: reg, Tickets: tickets}
	svc, err := status.Register(router, deps)
	if err != nil {
		return
	}
	digest, err := svc.NewDigest(status.DigestConfig{Spec: "0 9 * * 1", Redis: rdb, Prefix: prefix, Notifier: notifier})
	if err != nil {
		return
	}
	go digest.Run(ctx)

	// deliverybot project …
	_ = status.RunProjectCLI(ctx, os.Args[2:], os.Stdout, os.Stderr, deps)
}
