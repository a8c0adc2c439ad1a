package status

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/robfig/cron/v3"

	"deliverybot/bot"
)

// DefaultDigestSpec is Monday 09:00 (in the digest's time zone).
const DefaultDigestSpec = "0 9 * * 1"

// DigestConfig configures the weekly digest scheduler.
type DigestConfig struct {
	// Spec is a standard 5-field cron spec (default "0 9 * * 1"); "CRON_TZ=Zone ..." is honoured.
	Spec string
	// Location is the zone the spec is read in (default: the registry's, Asia/Shanghai).
	Location *time.Location
	// Redis coordinates replicas: each (slot, PM) is claimed with SET NX so a digest
	// goes out once however many replicas run the scheduler.
	Redis  redis.UniversalClient
	Prefix string
	// Notifier delivers the digest (required).
	Notifier bot.Notifier
	Clock    bot.Clock
	Logger   *slog.Logger
}

// Digest sends each PM the status of their projects on a cron schedule.
type Digest struct {
	svc   *Service
	cfg   DigestConfig
	sched cron.Schedule
}

// claimTTL keeps a slot's claim long enough to cover the whole week.
const claimTTL = 8 * 24 * time.Hour

// NewDigest validates cfg and builds the scheduler.
func (s *Service) NewDigest(cfg DigestConfig) (*Digest, error) {
	if cfg.Notifier == nil {
		return nil, errors.New("status digest: Notifier is required")
	}
	if cfg.Redis == nil {
		return nil, errors.New("status digest: Redis is required (it keeps replicas from sending twice)")
	}
	if cfg.Spec == "" {
		cfg.Spec = DefaultDigestSpec
	}
	if cfg.Location == nil {
		cfg.Location = s.d.Registry.Location()
	}
	if cfg.Clock == nil {
		cfg.Clock = bot.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	sched, err := cron.ParseStandard(cfg.Spec)
	if err != nil {
		return nil, fmt.Errorf("status digest: cron spec %q: %w", cfg.Spec, err)
	}
	return &Digest{svc: s, cfg: cfg, sched: sched}, nil
}

// Next is the first slot strictly after t.
func (d *Digest) Next(t time.Time) time.Time { return d.sched.Next(t.In(d.cfg.Location)) }

// Run sends digests at every slot until ctx ends. A slot missed while no replica
// was running is not caught up (a stale Monday digest helps nobody).
func (d *Digest) Run(ctx context.Context) error {
	for {
		now := d.cfg.Clock.Now()
		slot := d.Next(now)
		timer := time.NewTimer(slot.Sub(now))
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
		sent, err := d.Fire(ctx, slot)
		if err != nil {
			d.cfg.Logger.Error("weekly digest failed", "slot", slot, "err", err)
		} else {
			d.cfg.Logger.Info("weekly digest", "slot", slot, "sent", sent)
		}
	}
}

// Fire sends the digest for slot to every PM not yet served for that slot by any
// replica, and returns how many PMs this call served.
func (d *Digest) Fire(ctx context.Context, slot time.Time) (int, error) {
	ps, err := d.svc.d.Registry.Projects(ctx)
	if err != nil {
		return 0, err
	}
	seen := map[string]bool{}
	sent := 0
	var errs []error
	for _, p := range ps {
		if seen[p.PM] {
			continue
		}
		seen[p.PM] = true
		ok, err := d.claim(ctx, slot, p.PM)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !ok {
			continue // another replica has it
		}
		if err := d.send(ctx, p.PM, slot); err != nil {
			errs = append(errs, fmt.Errorf("digest to %s: %w", p.PM, err))
			continue
		}
		sent++
	}
	return sent, errors.Join(errs...)
}

// claim takes the (slot, PM) pair; false when someone already did.
func (d *Digest) claim(ctx context.Context, slot time.Time, pm string) (bool, error) {
	key := d.cfg.Prefix + "status:digest:" + slot.UTC().Format(time.RFC3339) + ":" + pm
	ok, err := d.cfg.Redis.SetNX(ctx, key, time.Now().UTC().Format(time.RFC3339), claimTTL).Result()
	if err != nil {
		return false, fmt.Errorf("claim digest slot: %w", err)
	}
	return ok, nil
}

func (d *Digest) send(ctx context.Context, pm string, slot time.Time) error {
	replies, err := d.svc.DigestFor(ctx, pm, slot)
	if err != nil {
		return err
	}
	for _, r := range replies {
		if err := d.cfg.Notifier.Notify(ctx, pm, r); err != nil {
			return err
		}
	}
	return nil
}
