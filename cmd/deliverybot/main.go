// Command deliverybot runs the WeCom delivery assistant: `serve` for WeCom,
// `chat` for a terminal conversation with the same router, and admin subcommands.
// This package only wires: configuration → stores → handlers → channel.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return // -h: the flag set has printed the usage
		}
		fmt.Fprintln(os.Stderr, "deliverybot:", err)
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError marks a bad command line or configuration (exit status 2).
type usageError struct {
	msg string
	err error // the cause, kept so -h (flag.ErrHelp) is recognised
}

func (e usageError) Error() string { return e.msg }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	ue := usageError{msg: fmt.Sprintf(format, args...)}
	for _, a := range args {
		if err, ok := a.(error); ok {
			ue.err = err
			break
		}
	}
	return ue
}

const usage = `deliverybot — 交付助手 (WeCom delivery assistant)

Usage:
  deliverybot chat    [--user ID] [--data-dir DIR] …   terminal chat with the real router
  deliverybot serve   [--addr :8080] [--fake-wecom] …  WeCom callback server
  deliverybot send    --to URL --user ID TEXT          post a signed, encrypted test callback
  deliverybot kb      import|lint|eval|gaps|reload …   knowledge base tools
  deliverybot project list|status|validate …           projects and phase status
  deliverybot ticket  list|show|export …               报修 tickets

Run "deliverybot <command> -h" for the flags of a command.
`

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usagef("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "chat":
		return runChat(ctx, rest, stdin, stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	if sub, ok := subcommands[cmd]; ok {
		return sub(ctx, rest, stdin, stdout, stderr)
	}
	fmt.Fprint(stderr, usage)
	return usagef("unknown command %q", cmd)
}

type subcommand func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error

// subcommands are registered by the files that implement them.
var subcommands = map[string]subcommand{}
