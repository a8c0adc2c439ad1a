package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"deliverybot/bot/redisstore"
	"deliverybot/handlers/ticket"
	"deliverybot/knowledge/embedopenai"
)

// commonConfig is what every subcommand that touches stored data shares.
type commonConfig struct {
	DataDir    string
	RedisURL   string
	RedisAddrs string
	MasterName string
	RedisPass  string
	Prefix     string
	KBPath     string
	Projects   string
	FormTTL    time.Duration
	formTTL    string
	TimeZone   string
	LogLevel   string
	DigestCron string
	// Embeddings for the KB's semantic ranking (off unless EmbedBaseURL is set).
	EmbedBaseURL string
	EmbedAPIKey  string // secret: env only (a flag would show it in -h and ps), masked when printed
	EmbedModel   string
	embedBatch   string
	EmbedBatch   int
	EmbedFusion  string // auto: fuse only when the KB's fusion check passes; always
	readOnly     bool   // admin commands: never write the embedded snapshot
	// robot posts ticket notifications to project groups (serve, when WECOM_ROBOT_KEYS is set).
	robot ticket.GroupRobot
}

func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

// bindCommon registers the shared flags with env defaults.
func bindCommon(fs *flag.FlagSet, c *commonConfig) {
	fs.StringVar(&c.DataDir, "data-dir", envOr("DELIVERYBOT_DATA_DIR", "./data"), "data directory (embedded store snapshot, blobs) [DELIVERYBOT_DATA_DIR]")
	fs.StringVar(&c.KBPath, "kb", envOr("DELIVERYBOT_KB", "deploy/demo/kb"), "knowledge base directory or file [DELIVERYBOT_KB]")
	fs.StringVar(&c.Projects, "projects", envOr("DELIVERYBOT_PROJECTS", "deploy/demo/projects.yaml"), "projects registry YAML [DELIVERYBOT_PROJECTS]")
	fs.StringVar(&c.TimeZone, "tz", envOr("DELIVERYBOT_TZ", "Asia/Shanghai"), "time zone for dates and schedules [DELIVERYBOT_TZ]")
	fs.StringVar(&c.DigestCron, "digest-cron", envOr("DELIVERYBOT_DIGEST_CRON", "0 9 * * 1"), "when PMs get the weekly digest (cron, in --tz) [DELIVERYBOT_DIGEST_CRON]")
	fs.StringVar(&c.LogLevel, "log-level", envOr("DELIVERYBOT_LOG_LEVEL", ""), "debug, info, warn or error [DELIVERYBOT_LOG_LEVEL]")
	fs.StringVar(&c.formTTL, "form-ttl", envOr("DELIVERYBOT_FORM_TTL", "30m"), "idle time before an unfinished form expires [DELIVERYBOT_FORM_TTL]")
	fs.StringVar(&c.EmbedBaseURL, "embed-base-url", envOr("DELIVERYBOT_EMBED_BASE_URL", ""), "OpenAI-compatible embeddings API base, e.g. https://api.openai.com/v1; unset: lexical retrieval only [DELIVERYBOT_EMBED_BASE_URL]")
	fs.StringVar(&c.EmbedModel, "embed-model", envOr("DELIVERYBOT_EMBED_MODEL", embedopenai.DefaultModel), "embedding model [DELIVERYBOT_EMBED_MODEL]")
	fs.StringVar(&c.embedBatch, "embed-batch", envOr("DELIVERYBOT_EMBED_BATCH", strconv.Itoa(embedopenai.DefaultBatchSize)), "texts per embeddings request [DELIVERYBOT_EMBED_BATCH]")
	fs.StringVar(&c.EmbedFusion, "embed-fusion", envOr("DELIVERYBOT_EMBED_FUSION", "auto"), "auto: fuse embeddings only when the KB's own phrasings show they rank no worse than the lexical index; always [DELIVERYBOT_EMBED_FUSION]")
	c.EmbedAPIKey = os.Getenv("DELIVERYBOT_EMBED_API_KEY")
	c.RedisURL = os.Getenv("REDIS_URL")
	c.RedisAddrs = os.Getenv("REDIS_ADDRS")
	c.MasterName = os.Getenv("REDIS_MASTER_NAME")
	c.RedisPass = os.Getenv("REDIS_PASSWORD")
	c.Prefix = envOr("DELIVERYBOT_REDIS_PREFIX", "deliverybot:")
}

// validate checks every value and reports all problems at once.
func (c *commonConfig) validate() error {
	var problems []string
	if c.DataDir == "" {
		problems = append(problems, "--data-dir / DELIVERYBOT_DATA_DIR must not be empty")
	}
	if d, err := time.ParseDuration(c.formTTL); err != nil || d <= 0 {
		problems = append(problems, fmt.Sprintf("DELIVERYBOT_FORM_TTL / --form-ttl %q is not a positive duration like 30m", c.formTTL))
	} else {
		c.FormTTL = d
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil {
		problems = append(problems, fmt.Sprintf("DELIVERYBOT_TZ / --tz %q is not a known time zone", c.TimeZone))
	}
	switch c.LogLevel {
	case "", "debug", "info", "warn", "error":
	default:
		problems = append(problems, fmt.Sprintf("DELIVERYBOT_LOG_LEVEL %q must be debug, info, warn or error", c.LogLevel))
	}
	if c.RedisURL != "" && !strings.HasPrefix(c.RedisURL, "redis://") && !strings.HasPrefix(c.RedisURL, "rediss://") {
		problems = append(problems, "REDIS_URL must start with redis:// or rediss://")
	}
	if c.MasterName != "" && c.RedisAddrs == "" {
		problems = append(problems, "REDIS_MASTER_NAME needs REDIS_ADDRS (the sentinel addresses)")
	}
	if n, err := strconv.Atoi(c.embedBatch); err != nil || n < 1 || n > 2048 {
		problems = append(problems, fmt.Sprintf("DELIVERYBOT_EMBED_BATCH / --embed-batch %q must be a whole number from 1 to 2048", c.embedBatch))
	} else {
		c.EmbedBatch = n
	}
	if c.EmbedFusion != "auto" && c.EmbedFusion != "always" {
		problems = append(problems, fmt.Sprintf("DELIVERYBOT_EMBED_FUSION / --embed-fusion %q must be auto or always", c.EmbedFusion))
	}
	switch {
	case c.EmbedBaseURL != "":
		if err := c.embedConfig().Validate(); err != nil {
			problems = append(problems, err.Error())
		}
	case c.EmbedAPIKey != "":
		problems = append(problems, "DELIVERYBOT_EMBED_API_KEY is set but DELIVERYBOT_EMBED_BASE_URL is not (for OpenAI use https://api.openai.com/v1)")
	}
	if len(problems) > 0 {
		return usagef("invalid configuration:\n  - %s", strings.Join(problems, "\n  - "))
	}
	return nil
}

// embedConfig is the embeddings API configuration; print it with String (the key is masked).
func (c *commonConfig) embedConfig() embedopenai.Config {
	return embedopenai.Config{BaseURL: c.EmbedBaseURL, APIKey: c.EmbedAPIKey, Model: c.EmbedModel, BatchSize: c.EmbedBatch}
}

// embedDescribe says whether and how the KB uses embeddings, without the key.
func (c *commonConfig) embedDescribe() string {
	if c.EmbedBaseURL == "" {
		return "off (lexical retrieval only)"
	}
	return c.embedConfig().String() + ", fusion " + c.EmbedFusion
}

func (c *commonConfig) location() *time.Location {
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

func (c *commonConfig) redisConfig() redisstore.Config {
	rc := redisstore.Config{URL: c.RedisURL, MasterName: c.MasterName, Password: c.RedisPass, DataDir: c.DataDir, ReadOnly: c.readOnly,
		Prefix: c.Prefix}
	if c.RedisAddrs != "" {
		for _, a := range strings.Split(c.RedisAddrs, ",") {
			if a = strings.TrimSpace(a); a != "" {
				rc.Addrs = append(rc.Addrs, a)
			}
		}
	}
	return rc
}
