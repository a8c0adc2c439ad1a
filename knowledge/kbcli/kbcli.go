// Package kbcli implements the `deliverybot kb` subcommands: import, lint, eval,
// gaps and reload.
package kbcli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// DefaultKB is where the demo KB lives when neither --kb nor DELIVERYBOT_KB is set.
const DefaultKB = "deploy/demo/kb"

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
  import FILE [--kb DIR] [--dry-run]   校验并导入 .md/.csv/.xlsx，报告坏行（含行号），只写入好的行
  lint [DIR]                           检查重复与近似重复的问题
  eval --kb PATH --queries FILE [--json] [--baseline] [--misses]
                                       评估检索质量
  gaps [--n 20]                        列出最常见的未回答问题和被标为「没用」的条目
  reload [--kb PATH] [--pid N | --pidfile FILE]
                                       校验知识库，并向运行中的服务发送 SIGHUP 重新加载
`

// Run executes `kb` with args (the words after "kb").
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return CLI{}.Run(ctx, args, stdout, stderr)
}

// Run executes `kb` with args using the CLI's dependencies.
func (c CLI) Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageErr("缺少子命令")
	}
	switch args[0] {
	case "eval":
		return runEval(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageErr("未知的子命令 " + args[0])
}

// CLI carries the dependencies of the subcommands that need stored data.
type CLI struct{}
