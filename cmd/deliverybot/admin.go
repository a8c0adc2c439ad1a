package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"deliverybot/bot"
	"deliverybot/bot/redisstore"
	"deliverybot/handlers/status"
	"deliverybot/handlers/ticket"
	"deliverybot/knowledge"
	"deliverybot/knowledge/kbcli"
)

func init() {
	subcommands["kb"] = runKB
	subcommands["project"] = runProject
	subcommands["ticket"] = runTicket
}

// commonFlagNames are the shared flags admin commands accept anywhere among their own.
var commonFlagNames = map[string]bool{"data-dir": true, "kb": true, "projects": true, "tz": true, "log-level": true, "form-ttl": true, "digest-cron": true,
	"embed-base-url": true, "embed-model": true, "embed-batch": true}

// kbFlagNames are the shared flags of `kb`, whose own subcommands take --kb.
var kbFlagNames = map[string]bool{"data-dir": true, "projects": true, "tz": true, "log-level": true,
	"embed-base-url": true, "embed-model": true, "embed-batch": true}

// splitCommon separates the shared flags (which may appear anywhere) from the
// subcommand's own arguments.
func splitCommon(args []string, names map[string]bool) (common, rest []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		name := strings.TrimLeft(a, "-")
		name, _, hasValue := strings.Cut(name, "=")
		if strings.HasPrefix(a, "-") && names[name] {
			common = append(common, a)
			if !hasValue && i+1 < len(args) {
				i++
				common = append(common, args[i])
			}
			continue
		}
		rest = append(rest, a)
	}
	return common, rest
}

// openAdminApp wires the same stores and features as the bot, read-only on the
// embedded snapshot, with notifications discarded.
func openAdminApp(ctx context.Context, name string, args []string, stderr io.Writer) (*app, []string, error) {
	cfg, rest, err := adminConfig(name, args, stderr)
	if err != nil {
		return nil, nil, err
	}
	a, err := newApp(ctx, cfg, newLogger(stderr, cfg.LogLevel, slog.LevelWarn), discardNotifier{})
	return a, rest, err
}

// openAdminStore opens just the deployment's store (read-only on the
// embedded snapshot) for an admin command.
func openAdminStore(ctx context.Context, name string, args []string, stderr io.Writer) (*redisstore.Conn, error) {
	cfg, _, err := adminConfig(name, args, stderr)
	if err != nil {
		return nil, err
	}
	return openStoreFor(ctx, cfg, stderr)
}

func openStoreFor(ctx context.Context, cfg commonConfig, stderr io.Writer) (*redisstore.Conn, error) {
	rc := cfg.redisConfig()
	rc.Logger = newLogger(stderr, cfg.LogLevel, slog.LevelWarn)
	return redisstore.Open(ctx, rc)
}

// adminConfig parses and validates the shared flags of an admin command
// (read-only on the embedded snapshot) and returns the command's own arguments.
func adminConfig(name string, args []string, stderr io.Writer) (commonConfig, []string, error) {
	names := commonFlagNames
	if name == "kb" {
		names = kbFlagNames
	}
	commonArgs, rest := splitCommon(args, names)
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg commonConfig
	bindCommon(fs, &cfg)
	if err := fs.Parse(commonArgs); err != nil {
		return cfg, nil, usagef("%s: %v", name, err)
	}
	if err := cfg.validate(); err != nil {
		return cfg, nil, err
	}
	cfg.readOnly = true
	return cfg, rest, nil
}

// kbSemantic gives `kb eval --embed` the bot's embedders from the same
// configuration, with the vector cache on the deployment's Redis (the embedded
// store is opened read-only: vectors cached there are not kept).
func kbSemantic(args []string, stderr io.Writer) func(ctx context.Context) (knowledge.SemanticOptions, func(), error) {
	return func(ctx context.Context) (knowledge.SemanticOptions, func(), error) {
		cfg, _, err := adminConfig("kb", args, stderr)
		if err != nil {
			return knowledge.SemanticOptions{}, nil, err
		}
		if cfg.EmbedBaseURL == "" {
			return knowledge.SemanticOptions{}, nil, usagef("kb eval --embed 需要先配置向量服务：DELIVERYBOT_EMBED_BASE_URL 和 DELIVERYBOT_EMBED_API_KEY")
		}
		conn, err := openStoreFor(ctx, cfg, stderr)
		if err != nil {
			return knowledge.SemanticOptions{}, nil, err
		}
		so, err := semanticOptions(cfg, conn.Client, conn.Prefix)
		if err != nil {
			_ = conn.Close()
			return knowledge.SemanticOptions{}, nil, err
		}
		fmt.Fprintf(stderr, "向量服务：%s\n", cfg.embedDescribe())
		return so, func() { _ = conn.Close() }, nil
	}
}

type discardNotifier struct{}

func (discardNotifier) Notify(context.Context, string, bot.Reply) error { return nil }

func runProject(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "validate" {
		return cliErr(status.RunProjectCLI(ctx, args, stdout, stderr, status.Deps{}))
	}
	a, rest, err := openAdminApp(ctx, "project", args, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	return cliErr(status.RunProjectCLI(ctx, rest, stdout, stderr, status.Deps{Registry: a.registry, Tickets: a.tickets}))
}

func runTicket(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	a, rest, err := openAdminApp(ctx, "ticket", args, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	return cliErr(ticket.RunCLI(ctx, rest, stdout, stderr, a.ticketStore))
}

func runKB(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	// Only the store: kb commands take their KB from --kb and need no projects.
	cli := kbcli.CLI{Prefix: envOr("DELIVERYBOT_REDIS_PREFIX", kbcli.DefaultPrefix),
		Redis: func(ctx context.Context) (redis.UniversalClient, func(), error) {
			conn, err := openAdminStore(ctx, "kb", args, stderr)
			if err != nil {
				return nil, nil, err
			}
			return conn.Client, func() { _ = conn.Close() }, nil
		}}
	common, rest := splitCommon(args, kbFlagNames)
	ctx = kbcli.WithSemantic(ctx, kbSemantic(args, stderr))
	ctx = kbcli.WithLocation(ctx, kbLocation(common))
	return cliErr(cli.Run(ctx, rest, stdout, stderr))
}

// kbLocation is the bot's zone (--tz / DELIVERYBOT_TZ) for times kb prints;
// a bad zone is reported by the commands that open the store.
func kbLocation(common []string) *time.Location {
	fs := flag.NewFlagSet("kb", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var cfg commonConfig
	bindCommon(fs, &cfg)
	_ = fs.Parse(common)
	return cfg.location()
}

// cliErr maps the feature CLIs' usage errors to exit status 2.
func cliErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, status.ErrUsage) || errors.Is(err, kbcli.ErrUsage) {
		return usageError{msg: err.Error(), err: err}
	}
	return err
}
