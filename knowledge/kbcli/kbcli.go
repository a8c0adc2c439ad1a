// Package kbcli implements the `deliverybot kb` subcommands: import, lint, eval,
// gaps and reload.
package kbcli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/redis/go-redis/v9"

	"deliverybot/knowledge/kbstore"
)

// DefaultKB is where the demo KB lives when neither --kb nor DELIVERYBOT_KB is set.
const DefaultKB = "deploy/demo/kb"

// DefaultPrefix is the Redis key prefix when CLI.Prefix is empty.
const DefaultPrefix = "deliverybot:"

func defaultKBPath() string {
	if p := os.Getenv("DELIVERYBOT_KB"); p != "" {
		return p
	}
	return DefaultKB
}

// ErrUsage marks a command-line mistake (the caller may exit 2).
var ErrUsage = errors.New("usage")

func usageErr(msg string) error { return fmt.Errorf("%w: %s", ErrUsage, msg) }

const usage = `用法：deliverybot kb <子命令> [参数]
  import FILE [--kb DIR] [--dry-run] [--json]
        校验并导入 .md/.csv/.xlsx：报告每个坏行（含行号和原因），只把好的行写入 DIR/<文件名>.csv（先写临时文件再改名）
  lint [DIR] [--json]
        检查坏行、重复和近似重复的问题、相似问法偏少的条目；有坏行或重复时返回错误
  eval --kb PATH --queries FILE [--json] [--baseline] [--misses] [--embed]
        评估检索质量：n、hit_at_1、hit_at_3、mrr、oos_rejection、answered_rate（--embed 融合 DELIVERYBOT_EMBED_* 配置的向量检索）
  gaps [--n 20] [--kb PATH] [--json]
        列出最常被问到却没有答案的问题（附最接近的条目）、用户在「您是不是想问」里选中的问法（可加为相似问法），
        以及被标为「没用」最多的条目
  learn [--kb DIR] [--min 1] [--dry-run] [--json]
        把用户选中的问法写进对应 Markdown 条目的相似问法（写后校验，失败即还原），下次这样问就能直接回答
  reload [--kb PATH] [--pid N | --pidfile FILE]
        严格校验知识库；给出进程号时向运行中的服务发送 SIGHUP，让它原子地换上新索引
        （服务也会每隔几秒检查文件变化并自动重新加载；校验失败时继续使用旧索引）
`

// CLI carries the dependencies of the subcommands that need stored data.
type CLI struct {
	// Redis opens the store `kb gaps` reads. When nil, REDIS_URL is used.
	Redis func(ctx context.Context) (redis.UniversalClient, func(), error)
	// Prefix is the deployment's Redis key prefix (DefaultPrefix when empty).
	Prefix string
}

// Run executes `kb` with args (the words after "kb") with default dependencies.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return CLI{}.Run(ctx, args, stdout, stderr)
}

// Run executes `kb` with args.
func (c CLI) Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageErr("缺少子命令")
	}
	rest := args[1:]
	switch args[0] {
	case "import":
		return runImport(ctx, rest, stdout, stderr)
	case "lint":
		return runLint(ctx, rest, stdout, stderr)
	case "eval":
		return runEval(ctx, rest, stdout, stderr)
	case "gaps":
		return c.runGaps(ctx, rest, stdout, stderr)
	case "learn":
		return c.runLearn(ctx, rest, stdout, stderr)
	case "reload":
		return runReload(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageErr("未知的子命令 " + args[0])
}

func (c CLI) prefix() string {
	if c.Prefix == "" {
		return DefaultPrefix
	}
	return c.Prefix
}

// openStore opens the feedback store (votes, gaps, picks) the bot writes.
func (c CLI) openStore(ctx context.Context) (*kbstore.Store, func(), error) {
	rdb, closeFn, err := c.openRedis(ctx)
	if err != nil {
		return nil, nil, err
	}
	return kbstore.New(rdb, c.prefix()), closeFn, nil
}

func (c CLI) openRedis(ctx context.Context) (redis.UniversalClient, func(), error) {
	if c.Redis != nil {
		return c.Redis(ctx)
	}
	url := os.Getenv("REDIS_URL")
	if url == "" {
		return nil, nil, errors.New("kb gaps / kb learn 需要 Redis：请设置 REDIS_URL（或通过 deliverybot 主程序使用内置存储）")
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, nil, fmt.Errorf("REDIS_URL 无效：%w", err)
	}
	rdb := redis.NewClient(opt)
	return rdb, func() { _ = rdb.Close() }, nil
}

// ParseInterspersed parses flags that may come before or after positional
// arguments ("import FILE --kb DIR" and "import --kb DIR FILE").
func ParseInterspersed(fs interface {
	Parse([]string) error
	Args() []string
}, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
