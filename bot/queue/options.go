package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"time"

	"deliverybot/bot"
)

// Options configure a Queue and the Pools that drain it. Partitions, MaxLen and
// DedupeTTL must be the same on every replica; zero values take the defaults.
type Options struct {
	// Partitions is the number of streams users are hashed into (default 16).
	// Changing it while messages are queued can reorder one user's messages.
	Partitions int
	// MaxLen bounds each partition stream; Accept answers ErrQueueFull beyond it
	// (default 100000).
	MaxLen int64
	// DedupeTTL is how long an accepted dedupe key is remembered (default 24 h).
	DedupeTTL time.Duration

	// Consumer names this pool in the consumer group (default host-pid-random).
	Consumer string
	// LeaseTTL is how long a partition lease lasts without renewal (default 15 s);
	// it is renewed every LeaseTTL/3.
	LeaseTTL time.Duration
	// IdleTimeout is how long another consumer's pending entry must sit idle
	// before it is reclaimed (default 30 s).
	IdleTimeout time.Duration
	// PollInterval is the pause after an empty read (default 100 ms).
	PollInterval time.Duration
	// ShutdownTimeout bounds how long Run waits for in-flight messages after its
	// context ends (default 25 s).
	ShutdownTimeout time.Duration
	// MaxAttempts is how often a failing message is tried before it is
	// dead-lettered (default 5); RetryBackoff is the first pause, doubling up to 30 s
	// (default 1 s).
	MaxAttempts  int
	RetryBackoff time.Duration
	// MaxDeliveries dead-letters a message that was handed out this many times,
	// i.e. keeps crashing its workers (default 10).
	MaxDeliveries int64
	// OnDeadLetter, if set, is told about a message that failed MaxAttempts times
	// and was set aside, e.g. to apologise to its sender (best effort).
	OnDeadLetter func(ctx context.Context, msg bot.Message, reason string)
	// Logger receives worker errors (default slog.Default()).
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Partitions <= 0 {
		o.Partitions = 16
	}
	if o.MaxLen <= 0 {
		o.MaxLen = 100000
	}
	if o.DedupeTTL <= 0 {
		o.DedupeTTL = 24 * time.Hour
	}
	if o.Consumer == "" {
		o.Consumer = defaultConsumer()
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = 15 * time.Second
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 30 * time.Second
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 100 * time.Millisecond
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 25 * time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.RetryBackoff <= 0 {
		o.RetryBackoff = time.Second
	}
	if o.MaxDeliveries <= 0 {
		o.MaxDeliveries = 10
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// defaultConsumer is unique per process so a restarted pod never mistakes the
// previous instance's pending entries for its own in-flight work.
func defaultConsumer() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "worker"
	}
	return host + "-" + strconvItoa(os.Getpid()) + "-" + randomHex(4)
}

func randomHex(n int) string {
	buf := make([]byte, n)
	_, _ = rand.Read(buf)
	return hex.EncodeToString(buf)
}
