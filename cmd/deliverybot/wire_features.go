package main

import (
	"context"
	"path/filepath"
	"time"

	"github.com/redis/go-redis/v9"

	"deliverybot/bot/blob"
	"deliverybot/handlers/faq"
	"deliverybot/handlers/status"
	"deliverybot/handlers/ticket"
	"deliverybot/handlers/ticket/ticketstore"
	"deliverybot/knowledge"
	"deliverybot/knowledge/embedopenai"
	"deliverybot/knowledge/kbstore"
)

// wireBlobs keeps photos under the data dir.
func wireBlobs(_ context.Context, a *app) error {
	fs, err := blob.NewFS(filepath.Join(a.cfg.DataDir, "blobs"))
	if err != nil {
		return err
	}
	a.deps.Blobs = fs
	return nil
}

// wireKB loads the knowledge base, answers questions from it and serves dialogs' digressions.
func wireKB(ctx context.Context, a *app) error {
	kb, err := knowledge.Open(a.cfg.KBPath, knowledge.DefaultOptions(), a.log)
	if err != nil {
		return err
	}
	a.kb = kb
	// Embeddings (optional): fused into the ranking by chat and serve; admin
	// commands only read stored data and skip them.
	if a.cfg.EmbedBaseURL != "" && !a.cfg.readOnly {
		so, err := semanticOptions(a.cfg, a.conn.Client, a.conn.Prefix)
		if err != nil {
			return err
		}
		a.log.Info("kb embeddings enabled", "embed", a.cfg.embedDescribe())
		// A failure is logged by the store, which serves lexical results and retries.
		_ = kb.EnableSemantic(ctx, so)
	}
	h := faq.New(faq.Options{KB: kb, Feedback: kbstore.New(a.conn.Client, a.conn.Prefix),
		Contacts: faq.RegistryContacts{Registry: a.registry}, Log: a.log})
	if err := h.Register(a.router); err != nil {
		return err
	}
	a.deps.FAQ = h
	a.background = append(a.background, func(ctx context.Context) error {
		kb.Watch(ctx, 2*time.Second) // file change or SIGHUP swaps in a new index atomically
		return nil
	})
	return nil
}

// semanticOptions builds the embedders from the configuration: phrasings go
// through the Redis vector cache (a restart re-embeds nothing already seen),
// user questions straight to the API (they are rarely repeated and stay out of Redis).
func semanticOptions(cfg commonConfig, rdb redis.UniversalClient, prefix string) (knowledge.SemanticOptions, error) {
	client, err := embedopenai.New(cfg.embedConfig())
	if err != nil {
		return knowledge.SemanticOptions{}, err
	}
	cache := embedopenai.NewCache(client, rdb, prefix, client.Model(), 0)
	return knowledge.SemanticOptions{Embedder: cache, QueryEmbedder: client, AlwaysFuse: cfg.EmbedFusion == "always"}, nil
}

// wireTickets registers 报修 filing and the ticket lifecycle; serve runs the SLA checks.
func wireTickets(_ context.Context, a *app) error {
	store := ticketstore.New(a.conn.Client, a.conn.Prefix, a.cfg.location())
	svc, err := ticket.Register(a.router, ticket.Deps{Store: store, Directory: a.registry,
		Notifier: a.deps.Notifier, Clock: a.deps.Clock, Logger: a.log, Location: a.cfg.location(), Robot: a.cfg.robot,
		Contact: a.registry.PMContact()})
	if err != nil {
		return err
	}
	a.tickets, a.ticketStore = svc, store
	a.background = append(a.background, svc.RunSLA)
	return nil
}

// wireStatus registers phase status, PM updates and the weekly digest.
func wireStatus(_ context.Context, a *app) error {
	deps := status.Deps{Registry: a.registry, Tickets: a.tickets}
	svc, err := status.Register(a.router, deps)
	if err != nil {
		return err
	}
	a.status = svc
	digest, err := svc.NewDigest(status.DigestConfig{Spec: a.cfg.DigestCron, Redis: a.conn.Client,
		Prefix: a.conn.Prefix, Notifier: a.deps.Notifier, Location: a.cfg.location(), Logger: a.log})
	if err != nil {
		return err
	}
	a.background = append(a.background, digest.Run)
	return nil
}
