package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"deliverybot/bot"
	"deliverybot/bot/queue"
	"deliverybot/bot/wecom"
	"deliverybot/bot/wecom/redistoken"
	"deliverybot/bot/wecom/wecomtest"
)

func init() { subcommands["serve"] = runServe }

type serveConfig struct {
	common commonConfig
	addr   string
	fake   bool
	wecom  wecom.Config
}

func runServe(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sc serveConfig
	bindCommon(fs, &sc.common)
	fs.StringVar(&sc.addr, "addr", envOr("DELIVERYBOT_ADDR", ":8080"), "listen address [DELIVERYBOT_ADDR]")
	fs.BoolVar(&sc.fake, "fake-wecom", false, "run against an in-process fake WeCom API and print what would be sent")
	if err := fs.Parse(args); err != nil {
		return usagef("serve: %v", err)
	}
	// Every problem at once: the shared settings, the WECOM_* variables and
	// the robot keys, so a first deployment is not fixed one restart at a time.
	var problems []string
	if err := sc.common.validate(); err != nil {
		problems = append(problems, err.Error())
	}
	// The fake API uses the WECOM_* credentials when they are set, exactly as
	// `send` does, so what send signs is accepted; else the demo ones.
	if !sc.fake || os.Getenv(wecom.EnvCorpID) != "" {
		cfg, err := wecom.ConfigFromEnv()
		if err != nil {
			problems = append(problems, fmt.Sprintf("invalid WeCom configuration:\n%v", err))
		}
		sc.wecom = cfg
	}
	var robotKeys map[string]string
	if v := os.Getenv("WECOM_ROBOT_KEYS"); v != "" {
		keys, err := wecom.ParseRobotKeys(v)
		if err != nil {
			problems = append(problems, err.Error())
		}
		robotKeys = keys
	}
	if len(problems) > 0 {
		return usagef("%s", strings.Join(problems, "\n"))
	}
	log := newLogger(stderr, sc.common.LogLevel, slog.LevelInfo)
	if sc.fake {
		fake, cfg := wecomtest.StartLocal(sc.wecom, stdout)
		defer fake.Close()
		sc.wecom = cfg
		log.Warn("running against the fake WeCom API: nothing reaches real WeCom", "api", cfg.APIBase,
			"hint", "post test callbacks with: deliverybot send --to "+localURL(sc.addr)+" --user u1 帮助")
	}
	if robotKeys != nil {
		sc.common.robot = wecom.NewRobot(sc.wecom.APIBase, robotKeys, wecom.NewHTTPClient())
	}
	srv, err := newServer(ctx, sc, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", sc.addr)
	if err != nil {
		srv.close()
		return fmt.Errorf("listen on %s: %w", sc.addr, err)
	}
	log.Info("deliverybot serving", "addr", ln.Addr().String(), "wecom", sc.wecom, "store", sc.common.redisConfig().Describe(),
		"kb_embeddings", sc.common.embedDescribe())
	return srv.run(ctx, ln)
}

// server is the WeCom channel around the app: callback endpoint → queue → workers → sender.
type server struct {
	app    *app
	echo   *echo.Echo
	queue  *queue.Queue
	pool   *queue.Pool
	sender *wecom.Sender
	client *wecom.Client
	outbox *queue.Outbox
	log    *slog.Logger
}

// lateNotifier lets the app be built before the sender that depends on its store exists.
type lateNotifier struct{ n bot.Notifier }

func (l *lateNotifier) Notify(ctx context.Context, userID string, r bot.Reply) error {
	if l.n == nil {
		return errors.New("notifier not ready")
	}
	return l.n.Notify(ctx, userID, r)
}

func newServer(ctx context.Context, sc serveConfig, log *slog.Logger) (*server, error) {
	notifier := &lateNotifier{}
	a, err := newApp(ctx, sc.common, log, notifier)
	if err != nil {
		return nil, err
	}
	a.router.Use(bot.RateLimit(20, 3*time.Second))
	rdb, prefix := a.conn.Client, a.conn.Prefix
	s := &server{app: a, log: log}
	s.client = wecom.NewClient(sc.wecom, wecom.WithHTTPClient(wecom.NewHTTPClient()), wecom.WithLogger(log),
		wecom.WithTokenCache(redistoken.New(rdb, prefix, sc.wecom.CorpID, sc.wecom.AgentID)))
	s.sender = wecom.NewSender(s.client, queue.NewSendLimiter(rdb, prefix))
	notifier.n = s.sender
	qopts := queue.Options{Logger: log, OnDeadLetter: s.apologise}
	s.queue = queue.New(rdb, prefix, qopts)
	s.outbox = queue.NewOutbox(rdb, prefix, 0)
	var acceptor wecom.Acceptor = s.queue
	if a.conn.Embedded != nil {
		// The embedded store is on disk only once snapshotted: acknowledge a
		// callback, or start a send, only after that.
		s.outbox.WithSync(a.conn.Sync)
		acceptor = durableAcceptor{s.queue, a.conn.Sync}
	}
	s.pool = queue.NewPool(rdb, prefix, qopts, s.process)
	s.echo = echo.New()
	s.echo.HideBanner, s.echo.HidePort = true, true
	_, err = wecom.Register(s.echo, sc.wecom, wecom.CallbackDeps{Acceptor: acceptor, Replay: s.queue, Log: log,
		Ready: func(ctx context.Context) error { return rdb.Ping(ctx).Err() }})
	if err != nil {
		_ = a.Close()
		return nil, err
	}
	s.echo.GET("/queuez", s.queueStats)
	return s, nil
}

// localURL is the loopback URL of a listen address such as ":8080" or
// "0.0.0.0:8080".
func localURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// durableAcceptor answers WeCom only after the accepted message (or the
// duplicate's original) is on disk; an error makes WeCom retry.
type durableAcceptor struct {
	wecom.Acceptor
	sync func(ctx context.Context) error
}

func (d durableAcceptor) Accept(ctx context.Context, msg bot.Message, key string) (bool, error) {
	dup, err := d.Acceptor.Accept(ctx, msg, key)
	if err != nil {
		return dup, err
	}
	return dup, d.sync(ctx)
}

// queueStats shows the backlog operators watch: depth, age of the oldest
// unprocessed message, and dead letters (messages that kept failing).
func (s *server) queueStats(c echo.Context) error {
	ctx := c.Request().Context()
	depth, age, err := s.queue.Stats(ctx)
	if err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"error": "queue stats unavailable"})
	}
	dead, err := s.queue.DeadLetters(ctx)
	if err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"error": "queue stats unavailable"})
	}
	return c.JSON(http.StatusOK, map[string]any{"depth": depth, "oldest_pending_seconds": age.Seconds(), "dead_letters": dead})
}

// process handles one queued message: fetch its media, route it, send the replies once.
func (s *server) process(ctx context.Context, msg bot.Message) error {
	if err := wecom.FetchMedia(ctx, s.client, s.app.deps.Blobs, &msg); err != nil {
		s.log.Warn("media fetch failed; continuing without the attachment", "msg", msg.ID, "err", err)
	}
	replies, err := s.app.router.Handle(ctx, msg)
	if err != nil {
		return err // state was not saved: the queue retries the message
	}
	if err := s.sender.DeliverOnce(ctx, s.outbox, msg, replies); err != nil {
		return err
	}
	if err := s.sender.GreyOutClickedCard(ctx, msg); err != nil {
		s.log.Warn("could not grey out the clicked card", "msg", msg.ID, "err", err)
	}
	return nil
}

// apologise tells a user their message could not be processed after repeated
// failures, so it is not silently lost (best effort; the message stays in the
// dead-letter stream for operators).
func (s *server) apologise(ctx context.Context, msg bot.Message, _ string) {
	what := "刚才的消息"
	if t := []rune(strings.TrimSpace(msg.Text)); len(t) > 0 {
		if len(t) > 20 {
			t = append(t[:20], '…')
		}
		what = "「" + string(t) + "」"
	}
	r := bot.Text("抱歉，您发送的%s没能处理成功，请稍后再发一次。如果一直不行，请联系项目工程师。", what)
	if err := s.sender.Notify(ctx, msg.UserID, r); err != nil {
		s.log.Error("could not tell the user their message failed", "msg", msg.ID, "err", err)
	}
}

// run serves until ctx ends, then stops accepting, finishes in-flight messages and closes.
func (s *server) run(ctx context.Context, ln net.Listener) error {
	httpSrv := &http.Server{Handler: s.echo, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second}
	var wg sync.WaitGroup
	errs := make(chan error, 2+len(s.app.background))
	start := func(name string, f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil && !errors.Is(err, context.Canceled) {
				s.log.Error(name+" stopped", "err", err)
				errs <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	bgCtx, stopBG := context.WithCancel(ctx)
	defer stopBG()
	start("workers", func() error { return s.pool.Run(bgCtx) })
	for _, job := range s.app.background {
		start("background job", func() error { return job(bgCtx) })
	}
	start("http", func() error {
		if err := httpSrv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errs:
	}
	s.log.Info("shutting down: no new callbacks; finishing in-flight messages")
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_ = httpSrv.Shutdown(shutCtx)
	stopBG()
	wg.Wait()
	return errors.Join(runErr, s.close())
}

func (s *server) close() error { return s.app.Close() }

// handler exposes the HTTP handler (tests serve it with httptest).
func (s *server) handler() http.Handler { return s.echo }
