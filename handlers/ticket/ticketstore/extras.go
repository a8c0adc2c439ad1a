package ticketstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// AddDeflection counts a filing the knowledge base resolved before a ticket was needed.
func (s *Store) AddDeflection(ctx context.Context, project string) error {
	pipe := s.rdb.TxPipeline()
	pipe.HIncrBy(ctx, s.key("stats"), "deflected", 1)
	if project != "" {
		pipe.HIncrBy(ctx, s.key("stats"), "deflected:"+project, 1)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("count deflection: %w", err)
	}
	return nil
}

// Deflections returns how many filings the KB resolved (project "" = all).
func (s *Store) Deflections(ctx context.Context, project string) (int64, error) {
	field := "deflected"
	if project != "" {
		field += ":" + project
	}
	n, err := s.rdb.HGet(ctx, s.key("stats"), field).Int64()
	if err != nil && !errors.Is(err, redis.Nil) {
		return 0, fmt.Errorf("read deflections: %w", err)
	}
	return n, nil
}

// TryNudge reports whether a 催一下 for the ticket is allowed now: at most one per
// window, across replicas (SET NX with expiry).
func (s *Store) TryNudge(ctx context.Context, id string, window time.Duration) (bool, error) {
	ok, err := s.rdb.SetNX(ctx, s.key("nudge", id), "1", window).Result()
	if err != nil {
		return false, fmt.Errorf("nudge %s: %w", id, err)
	}
	return ok, nil
}

// ClaimEscalation lets exactly one replica escalate a ticket's SLA breach of a kind.
// The claim expires after lease so a replica that died before notifying does not
// block the escalation forever; MarkEscalated makes it permanent.
func (s *Store) ClaimEscalation(ctx context.Context, id, kind string, lease time.Duration) (bool, error) {
	ok, err := s.rdb.SetNX(ctx, s.key("esc", id, kind), "pending", lease).Result()
	if err != nil {
		return false, fmt.Errorf("claim escalation %s %s: %w", id, kind, err)
	}
	return ok, nil
}

// MarkEscalated records that the escalation was delivered; it is never sent again.
func (s *Store) MarkEscalated(ctx context.Context, id, kind string) error {
	if err := s.rdb.Set(ctx, s.key("esc", id, kind), "done", 0).Err(); err != nil {
		return fmt.Errorf("mark escalation %s %s: %w", id, kind, err)
	}
	return nil
}

// ReleaseEscalation drops a claim whose notification failed, so the next tick retries.
func (s *Store) ReleaseEscalation(ctx context.Context, id, kind string) error {
	return s.rdb.Del(ctx, s.key("esc", id, kind)).Err()
}

// Escalated reports whether the escalation of kind was delivered.
func (s *Store) Escalated(ctx context.Context, id, kind string) (bool, error) {
	v, err := s.rdb.Get(ctx, s.key("esc", id, kind)).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return false, err
	}
	return v == "done", nil
}
