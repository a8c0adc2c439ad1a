package main

import (
	"context"
	"time"

	"deliverybot/bot"
	"deliverybot/bot/registry"
)

// wireRegistry loads projects and people and resolves every speaker's identity and roles.
func wireRegistry(_ context.Context, a *app) error {
	changes := &registry.RedisChangeLog{Client: a.conn.Client, Prefix: a.conn.Prefix}
	reg, err := registry.Open(a.cfg.Projects, changes, registry.WithLocation(a.cfg.location()), registry.WithLogger(a.log))
	if err != nil {
		return err
	}
	a.registry = reg
	a.background = append(a.background, func(ctx context.Context) error {
		reg.Watch(ctx, 2*time.Second) // reload on edit or SIGHUP; a bad edit keeps the old registry
		return nil
	})
	a.router.Use(bot.Identify(reg))
	a.users = func() []string {
		var out []string
		for _, u := range reg.Users() {
			out = append(out, u.Label())
		}
		return out
	}
	return nil
}
