package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"deliverybot/bot"
)

// terminal prints replies for the speaking user and notifications for others.
type terminal struct {
	mu  sync.Mutex
	out io.Writer
}

func (t *terminal) print(replies []bot.Reply, speaker string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range replies {
		if r.To != "" && r.To != speaker {
			fmt.Fprintf(t.out, "[→ 通知 %s]\n%s\n\n", r.To, r.PlainText())
			continue
		}
		fmt.Fprintf(t.out, "%s\n\n", r.PlainText())
	}
}

// Notify prints a message the bot sends to a user outside a conversation turn.
func (t *terminal) Notify(_ context.Context, userID string, r bot.Reply) error {
	r.To = userID
	t.print([]bot.Reply{r}, "")
	return nil
}

func runChat(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg commonConfig
	bindCommon(fs, &cfg)
	user := fs.String("user", envOr("DELIVERYBOT_USER", "demo"), "user ID to speak as [DELIVERYBOT_USER]")
	if err := fs.Parse(args); err != nil {
		return usagef("chat: %v", err)
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	if strings.TrimSpace(*user) == "" {
		return usagef("--user must not be empty")
	}
	log := newLogger(stderr, cfg.LogLevel, slog.LevelWarn)
	term := &terminal{out: stdout}
	a, err := newApp(ctx, cfg, log, term)
	if err != nil {
		return err
	}
	defer func() {
		if err := a.Close(); err != nil {
			log.Error("closing store", "err", err)
		}
	}()
	return chatLoop(ctx, a, term, stdin, *user)
}

func isTTY(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func chatLoop(ctx context.Context, a *app, t *terminal, stdin io.Reader, user string) error {
	interactive := isTTY(stdin)
	if interactive {
		fmt.Fprintf(t.out, "交付助手 · 终端模式（当前用户 %s，数据目录 %s）\n输入「帮助」查看功能；/users 列出演示用户，/user ID 切换用户，/image 路径 发送图片，/quit 退出。\n\n", user, a.cfg.DataDir)
	}
	stop := make(chan struct{})
	defer close(stop)
	lines, readErr := readLines(stdin, stop)
	base := time.Now().UnixNano()
	for n := 1; ; n++ {
		if interactive {
			fmt.Fprintf(t.out, "%s> ", user)
		}
		var line string
		select {
		case <-ctx.Done(): // Ctrl-C: leave at once; the store is snapshotted on close
			return nil
		case l, ok := <-lines:
			if !ok {
				return <-readErr
			}
			line = strings.TrimSpace(l)
		}
		if line == "" {
			continue
		}
		msg := bot.Message{ID: fmt.Sprintf("chat-%d-%d", base, n), Channel: bot.ChannelTerminal, UserID: user, Time: time.Now()}
		switch {
		case line == "/quit" || line == "/exit":
			return nil
		case line == "/users":
			t.print([]bot.Reply{usersReply(a)}, user)
			continue
		case strings.HasPrefix(line, "/user "):
			user = strings.TrimSpace(strings.TrimPrefix(line, "/user "))
			t.print([]bot.Reply{bot.Text("已切换为用户 %s", user)}, user)
			continue
		case strings.HasPrefix(line, "/image "):
			media, err := loadImage(ctx, a, strings.TrimSpace(strings.TrimPrefix(line, "/image ")))
			if err != nil {
				t.print([]bot.Reply{bot.Text("图片发送失败：%v", err)}, user)
				continue
			}
			msg.Media = []bot.Media{media}
			msg.UserID = user
		default:
			msg.Text = line
			msg.UserID = user
		}
		if ctx.Err() != nil {
			return nil
		}
		replies, err := a.router.Handle(ctx, msg)
		if err != nil {
			a.log.Error("handling message", "err", err)
			replies = []bot.Reply{bot.Text(bot.SorryText)}
		}
		t.print(replies, user)
	}
}

// readLines delivers stdin line by line so the chat loop can also watch for Ctrl-C.
func readLines(r io.Reader, stop <-chan struct{}) (<-chan string, <-chan error) {
	lines, errc := make(chan string), make(chan error, 1)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-stop:
				return
			}
		}
		errc <- sc.Err()
	}()
	return lines, errc
}

func usersReply(a *app) bot.Reply {
	if a.users == nil {
		return bot.Text("没有加载项目名册，无法列出演示用户。")
	}
	return bot.Text("演示用户（/user ID 切换）：\n%s", strings.Join(a.users(), "\n"))
}

func loadImage(ctx context.Context, a *app, path string) (bot.Media, error) {
	if a.deps.Blobs == nil {
		return bot.Media{}, fmt.Errorf("没有配置图片存储")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return bot.Media{}, fmt.Errorf("读取 %s 失败：%w", path, err)
	}
	ct := http.DetectContentType(data)
	if !strings.HasPrefix(ct, "image/") {
		return bot.Media{}, fmt.Errorf("%s 不是图片（%s）", path, ct)
	}
	ref, err := a.deps.Blobs.Put(ctx, data, ct)
	if err != nil {
		return bot.Media{}, err
	}
	return bot.Media{Kind: "image", Ref: ref, ContentType: ct, Title: path}, nil
}
