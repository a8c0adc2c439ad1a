package kbcli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"

	"deliverybot/knowledge"
)

// runReload implements `kb reload [--kb PATH] [--pid N | --pidfile FILE]`: it
// validates the KB the way the server's reload does (strictly) and, given a
// process, sends it SIGHUP. A running server also polls the KB files, so an
// edit is picked up within seconds even without this command.
func runReload(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kb reload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	kbPath := fs.String("kb", defaultKBPath(), "知识库目录或文件")
	pid := fs.Int("pid", 0, "运行中的 deliverybot 进程号")
	pidFile := fs.String("pidfile", "", "记录进程号的文件")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ix, _, err := knowledge.LoadIndex(*kbPath, knowledge.DefaultOptions(), true)
	if err != nil {
		return fmt.Errorf("知识库校验未通过，服务会继续使用旧版本：%w", err)
	}
	fmt.Fprintf(stdout, "知识库校验通过：%s，%d 条。\n", *kbPath, ix.Len())
	if *pidFile != "" {
		data, err := os.ReadFile(*pidFile)
		if err != nil {
			return fmt.Errorf("无法读取进程号文件：%w", err)
		}
		if *pid, err = strconv.Atoi(strings.TrimSpace(string(data))); err != nil {
			return fmt.Errorf("进程号文件内容无效：%w", err)
		}
	}
	if *pid <= 0 {
		fmt.Fprintln(stdout, "运行中的服务会在几秒内发现文件变化并自动重新加载；也可以用 --pid 或 kill -HUP <进程号> 立即触发。")
		return nil
	}
	if err := syscall.Kill(*pid, syscall.SIGHUP); err != nil {
		return fmt.Errorf("无法通知进程 %d：%w", *pid, err)
	}
	fmt.Fprintf(stdout, "已向进程 %d 发送 SIGHUP，它会原子地换上新索引（失败时保留旧索引并记录原因）。\n", *pid)
	return nil
}
