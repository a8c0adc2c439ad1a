package main

import (
	"context"

	"deliverybot/bot"
	"deliverybot/bot/registry"
)

func init() {
	wirings = append(wirings, wiring{name: "projects registry", fn: wireRegistry})
}

// wireRegistry loads projects and people and resolves every speaker's identity and roles.
func wireRegistry(_ context.Context, a *app) error {
	changes := &registry.RedisChangeLog{Client: a.conn.Client, Prefix: a.conn.Prefix}
	reg, err := registry.Open(a.cfg.Projects, changes, registry.WithLocation(a.cfg.location()), registry.WithLogger(a.log))
	if err != nil {
		return err
	}
	a.registry = reg
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
