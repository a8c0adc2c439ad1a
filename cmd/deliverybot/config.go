package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"deliverybot/bot/redisstore"
	"deliverybot/handlers/ticket"
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
	readOnly   bool // admin commands: never write the embedded snapshot
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
	if len(problems) > 0 {
		return usagef("invalid configuration:\n  - %s", strings.Join(problems, "\n  - "))
	}
	return nil
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
