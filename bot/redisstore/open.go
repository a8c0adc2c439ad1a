package redisstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Config says which Redis to use. With none of URL/Addrs set an embedded
// miniredis is started and snapshotted to DataDir.
type Config struct {
	URL        string   // REDIS_URL, e.g. redis://:pass@host:6379/0
	Addrs      []string // REDIS_ADDRS: several = Cluster, or Sentinel with MasterName
	MasterName string   // REDIS_MASTER_NAME (Sentinel)
	Password   string   // REDIS_PASSWORD, for Addrs
	Prefix     string   // key prefix, default "deliverybot:"
	DataDir    string   // where the embedded store keeps its snapshot
	// ReadOnly opens the embedded snapshot without ever writing it back, so an
	// admin command cannot overwrite what a running bot saves meanwhile.
	ReadOnly bool
	Logger   *slog.Logger
}

// Conn is an open Redis plus what it takes to close it cleanly.
type Conn struct {
	Client   redis.UniversalClient
	Prefix   string
	Embedded *Embedded // nil unless embedded
}

// Describe says which Redis is in use, without credentials.
func (c Config) Describe() string {
	switch {
	case c.URL != "":
		return "redis " + redactURL(c.URL)
	case c.MasterName != "":
		return fmt.Sprintf("redis sentinel %s %s", c.MasterName, strings.Join(c.Addrs, ","))
	case len(c.Addrs) > 0:
		return "redis " + strings.Join(c.Addrs, ",")
	}
	return "embedded miniredis (snapshot in " + c.DataDir + ")"
}

// Open connects (or starts the embedded store) and checks the connection.
func Open(ctx context.Context, cfg Config) (*Conn, error) {
	if cfg.Prefix == "" {
		cfg.Prefix = "deliverybot:"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	conn := &Conn{Prefix: cfg.Prefix}
	switch {
	case cfg.URL != "":
		opt, err := redis.ParseURL(cfg.URL)
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL is not a valid redis:// URL: %s", redactErr(err, cfg.URL))
		}
		conn.Client = redis.NewClient(opt)
	case len(cfg.Addrs) > 0:
		conn.Client = redis.NewUniversalClient(&redis.UniversalOptions{
			Addrs: cfg.Addrs, MasterName: cfg.MasterName, Password: cfg.Password})
	default:
		emb, err := StartEmbedded(cfg.DataDir, cfg.ReadOnly, cfg.Logger)
		if err != nil {
			return nil, err
		}
		conn.Embedded = emb
		conn.Client = emb.Client
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := conn.Client.Ping(pingCtx).Err(); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("cannot reach %s: %v", cfg.Describe(), err)
	}
	return conn, nil
}

// Sync makes what was written so far survive a crash of this process: the
// embedded store writes its snapshot; a Redis server's durability is its own
// configuration (appendonly yes), so there it returns at once.
func (c *Conn) Sync(ctx context.Context) error {
	if c.Embedded == nil {
		return nil
	}
	return c.Embedded.Sync(ctx)
}

// Close snapshots the embedded store (if any) and closes the client.
func (c *Conn) Close() error {
	var errs []error
	if c.Embedded != nil {
		errs = append(errs, c.Embedded.Close())
	} else if c.Client != nil {
		errs = append(errs, c.Client.Close())
	}
	return errors.Join(errs...)
}

func redactURL(u string) string {
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return u
	}
	return u[:scheme+3] + "***@" + u[at+1:]
}

func redactErr(err error, u string) string {
	return strings.ReplaceAll(err.Error(), u, redactURL(u))
}
