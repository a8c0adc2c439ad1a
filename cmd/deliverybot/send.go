package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"deliverybot/bot/wecom"
	"deliverybot/bot/wecom/wecomtest"
	"deliverybot/knowledge/kbcli"
)

func init() { subcommands["send"] = runSend }

// runSend posts one signed, encrypted callback to a running server, exactly as
// WeCom would: with WECOM_* credentials when set, else the fixed demo credentials
// that `serve --fake-wecom` uses.
func runSend(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	fs.SetOutput(stderr)
	to := fs.String("to", "http://127.0.0.1:8080", "server base URL (or the full callback URL)")
	user := fs.String("user", "u1", "WeCom user ID the message comes from")
	click := fs.String("click", "", "send a card-button click with this key instead of text")
	menu := fs.String("menu", "", "send a menu click with this key instead of text")
	times := fs.Int("times", 1, "deliver the identical callback this many times (as WeCom retries)")
	pos, err := kbcli.ParseInterspersed(fs, args)
	if err != nil {
		return usagef("send: %v", err)
	}
	text := strings.Join(pos, " ")
	if text == "" && *click == "" && *menu == "" {
		return usagef("send: give the message text, --click KEY or --menu KEY")
	}
	cfg := wecomtest.DemoConfig()
	if os.Getenv(wecom.EnvCorpID) != "" {
		if cfg, err = wecom.ConfigFromEnv(); err != nil {
			return usagef("invalid WeCom configuration:\n%v", err)
		}
	}
	url := strings.TrimRight(*to, "/")
	if !strings.HasSuffix(url, wecom.CallbackPath) {
		url += wecom.CallbackPath
	}
	cc, err := wecomtest.NewCallbackClient(url, cfg)
	if err != nil {
		return err
	}
	p := cc.Text(*user, text)
	switch {
	case *click != "":
		p = cc.CardClick(*user, "", *click, "")
	case *menu != "":
		p = cc.Event(*user, "click", *menu)
	}
	statuses, err := cc.DeliverTimes(ctx, p, max(*times, 1))
	if err != nil {
		return fmt.Errorf("post callback to %s: %w", url, err)
	}
	for _, st := range statuses {
		if st != http.StatusOK {
			return fmt.Errorf("%s answered HTTP %v: the callback was rejected (401: WECOM_TOKEN, WECOM_AES_KEY or WECOM_CORP_ID differ from the server's; the server logs the reason)", url, statuses)
		}
	}
	fmt.Fprintf(stdout, "已发送（HTTP %v）\n", statuses)
	return nil
}
