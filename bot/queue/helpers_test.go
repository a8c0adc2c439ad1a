package queue

import (
	"context"
	"log/slog"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"deliverybot/bot"
)

// quietRedis drops go-redis's own log lines (dial failures the outage tests cause
// on purpose).
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

func TestMain(m *testing.M) {
	redis.SetLogger(quietRedis{})
	os.Exit(m.Run())
}

// testOptions keep every timeout short so crash and reclaim paths run quickly.
func testOptions(partitions int) Options {
	return Options{
		Partitions:      partitions,
		LeaseTTL:        600 * time.Millisecond,
		IdleTimeout:     400 * time.Millisecond,
		PollInterval:    5 * time.Millisecond,
		ShutdownTimeout: 2 * time.Second,
		RetryBackoff:    5 * time.Millisecond,
		MaxAttempts:     3,
		Logger:          slog.New(slog.DiscardHandler),
	}
}

func textMsg(user, id, text string) bot.Message {
	return bot.Message{ID: id, Channel: bot.ChannelTest, UserID: user, Text: text, Time: time.Unix(1700000000, 0)}
}

// eventually polls cond until it holds or the deadline passes (a hang guard, not
// a speed assertion).
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// runPool starts p in the background; stop cancels it and returns Run's error.
func runPool(t *testing.T, p *Pool) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- p.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-errc:
			case <-time.After(10 * time.Second):
				t.Errorf("pool %s did not stop", p.Consumer())
			}
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// deadClient points at a port nobody listens on: Redis "down".
func deadClient(t *testing.T) redis.UniversalClient {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// recorder remembers which pool processed which message, in order.
type recorder struct {
	mu     sync.Mutex
	byUser map[string][]string
	count  map[string]int
	byPool map[string]int
}

func newRecorder() *recorder {
	return &recorder{byUser: map[string][]string{}, count: map[string]int{}, byPool: map[string]int{}}
}

func (r *recorder) done(pool string, msg bot.Message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.byUser[msg.UserID] = append(r.byUser[msg.UserID], msg.ID)
	r.count[msg.ID]++
	r.byPool[pool]++
}

func (r *recorder) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.count {
		n += c
	}
	return n
}

type atomicCounter struct {
	mu sync.Mutex
	n  int
}

func (c *atomicCounter) next() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return c.n
}
