package wecom_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"deliverybot/bot"
	"deliverybot/bot/wecom"
	"deliverybot/bot/wecom/wecomtest"
)

var fastRetry = wecom.RetryPolicy{Attempts: 5, Base: time.Millisecond, Max: 5 * time.Millisecond}

func newClient(t *testing.T, fake *wecomtest.Server, opts ...wecom.Option) (*wecom.Client, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	opts = append([]wecom.Option{wecom.WithRetry(fastRetry), wecom.WithLogger(slog.New(slog.NewTextHandler(logs, nil)))}, opts...)
	return wecom.NewClient(fake.Config(), opts...), logs
}

func sendText(ctx context.Context, c *wecom.Client, to, text string) error {
	_, err := c.SendMessage(ctx, &wecom.MessageRequest{ToUser: to, MsgType: wecom.MsgText, Text: &wecom.Content{Content: text}})
	return err
}

func TestTokenExpiryMidRunRefreshesAndSendsOnce(t *testing.T) {
	ctx := context.Background()
	fake := wecomtest.NewServer()
	defer fake.Close()
	c, logs := newClient(t, fake)
	if err := sendText(ctx, c, "u1", "第一条"); err != nil {
		t.Fatal(err)
	}
	fake.ExpireTokens()
	if err := sendText(ctx, c, "u1", "第二条"); err != nil {
		t.Fatal(err)
	}
	msgs := fake.MessagesTo("u1")
	if len(msgs) != 2 || msgs[1].Text.Content != "第二条" {
		t.Fatalf("delivered %+v, want both messages once", msgs)
	}
	if n := fake.Calls("cgi-bin/gettoken"); n != 2 {
		t.Fatalf("gettoken called %d times, want 2", n)
	}
	if n := fake.Calls("cgi-bin/message/send"); n != 3 {
		t.Fatalf("message/send called %d times, want 3 (ok, 42001, ok)", n)
	}
	assertNoToken(t, fake, logs.String())
}

func TestInvalidTokenRetriedOnlyOnce(t *testing.T) {
	ctx := context.Background()
	fake := wecomtest.NewServer()
	defer fake.Close()
	c, _ := newClient(t, fake)
	fake.Inject(wecomtest.Fault{Path: "cgi-bin/message/send", ErrCode: wecom.CodeInvalidToken, Times: 5})
	err := sendText(ctx, c, "u1", "x")
	if wecom.ErrCode(err) != wecom.CodeInvalidToken {
		t.Fatalf("err %v, want 40014 after one refresh", err)
	}
	if n := fake.Calls("cgi-bin/message/send"); n != 2 {
		t.Fatalf("message/send called %d times, want 2", n)
	}
	if !wecom.NotDelivered(err) {
		t.Fatal("an errcode answer is certainly not delivered")
	}
}

func TestServerErrorBurstDeliveredAfterRecovery(t *testing.T) {
	ctx := context.Background()
	fake := wecomtest.NewServer()
	defer fake.Close()
	c, _ := newClient(t, fake)
	fake.Inject(wecomtest.Fault{Path: "cgi-bin/message/send", HTTPStatus: http.StatusBadGateway, Times: 3})
	fake.Inject(wecomtest.Fault{Path: "cgi-bin/message/send", ErrCode: wecom.CodeRateLimited, Times: 1})
	if err := sendText(ctx, c, "u1", "终于到了"); err != nil {
		t.Fatal(err)
	}
	if msgs := fake.Messages(); len(msgs) != 1 || msgs[0].Text.Content != "终于到了" {
		t.Fatalf("delivered %+v", msgs)
	}
	if n := fake.Calls("cgi-bin/message/send"); n != 5 {
		t.Fatalf("calls %d, want 5 (3×502, 45009, ok)", n)
	}
}

func TestServerErrorsBeyondRetriesFail(t *testing.T) {
	fake := wecomtest.NewServer()
	defer fake.Close()
	c, _ := newClient(t, fake)
	fake.Inject(wecomtest.Fault{Path: "cgi-bin/message/send", HTTPStatus: http.StatusServiceUnavailable, Times: 10})
	err := sendText(context.Background(), c, "u1", "x")
	if err == nil || !wecom.NotDelivered(err) {
		t.Fatalf("err %v, want a not-delivered failure", err)
	}
	if n := fake.Calls("cgi-bin/message/send"); n != fastRetry.Attempts {
		t.Fatalf("calls %d, want %d", n, fastRetry.Attempts)
	}
}

func TestSlowResponses(t *testing.T) {
	ctx := context.Background()
	fake := wecomtest.NewServer()
	defer fake.Close()
	c, _ := newClient(t, fake, wecom.WithTimeout(100*time.Millisecond))

	// A slow gettoken is retried; the message goes out once.
	fake.Inject(wecomtest.Fault{Path: "cgi-bin/gettoken", Delay: 400 * time.Millisecond})
	if err := sendText(ctx, c, "u1", "慢"); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.Messages()); n != 1 {
		t.Fatalf("delivered %d, want 1", n)
	}

	// A send that keeps timing out may still have been delivered by WeCom: the error
	// must say so, so an outbox does not blindly resend.
	fake.Inject(wecomtest.Fault{Path: "cgi-bin/message/send", Delay: 400 * time.Millisecond, Times: fastRetry.Attempts})
	err := sendText(ctx, c, "u1", "超时")
	var md *wecom.MaybeDeliveredError
	if err == nil || !errors.As(err, &md) || wecom.NotDelivered(err) {
		t.Fatalf("err %v, want MaybeDeliveredError", err)
	}
}

// A send whose answer timed out may have reached the user: it is not sent
// again (that would show the reply twice) but reported as maybe delivered.
func TestTimedOutSendIsNotRepeated(t *testing.T) {
	ctx := context.Background()
	fake := wecomtest.NewServer()
	defer fake.Close()
	c, _ := newClient(t, fake, wecom.WithTimeout(100*time.Millisecond))
	if _, err := c.Token(ctx); err != nil {
		t.Fatal(err)
	}
	fake.Inject(wecomtest.Fault{Path: "cgi-bin/message/send", Delay: 300 * time.Millisecond, Times: 1})
	err := sendText(ctx, c, "u1", "只发一次")
	var md *wecom.MaybeDeliveredError
	if !errors.As(err, &md) {
		t.Fatalf("err %v, want MaybeDeliveredError", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(fake.MessagesTo("u1")) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // the fake finishes the slow call late
	}
	if n := fake.Calls("cgi-bin/message/send"); n != 1 {
		t.Errorf("message/send called %d times, want 1", n)
	}
	if n := len(fake.MessagesTo("u1")); n != 1 {
		t.Errorf("u1 received %d messages, want 1", n)
	}
}

// A redirect from the API host is not followed: the corp secret in the
// gettoken query must not reach another host.
func TestRedirectNotFollowed(t *testing.T) {
	var leaked atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { leaked.Add(1) }))
	defer elsewhere.Close()
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+r.URL.RequestURI(), http.StatusFound)
	}))
	defer redirector.Close()
	fake := wecomtest.NewServer()
	defer fake.Close()
	cfg := fake.Config()
	cfg.APIBase = redirector.URL
	c := wecom.NewClient(cfg, wecom.WithRetry(fastRetry), wecom.WithLogger(slog.New(slog.DiscardHandler)))
	if _, err := c.Token(context.Background()); err == nil {
		t.Fatal("a redirected gettoken succeeded")
	}
	if n := leaked.Load(); n != 0 {
		t.Fatalf("the redirect target received %d requests carrying the secret", n)
	}
}

func TestUntrustedIPNamesTheFix(t *testing.T) {
	fake := wecomtest.NewServer()
	defer fake.Close()
	c, logs := newClient(t, fake)
	fake.Inject(wecomtest.Fault{Path: "cgi-bin/message/send", ErrCode: wecom.CodeUntrustedIP})
	err := sendText(context.Background(), c, "u1", "x")
	if wecom.ErrCode(err) != wecom.CodeUntrustedIP || !strings.Contains(err.Error(), "企业可信IP") {
		t.Fatalf("err %v", err)
	}
	if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "企业可信IP") || !strings.Contains(logs.String(), "203.0.113.7") {
		t.Fatalf("no error log naming the fix and the egress IP: %s", logs)
	}
	if n := fake.Calls("cgi-bin/message/send"); n != 1 {
		t.Fatalf("60020 retried %d times", n)
	}
}

// failingTransport fails every API call except gettoken with an error that, unscrubbed,
// would print the full URL with the access token.
type failingTransport struct{ next http.RoundTripper }

func (f failingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.Contains(r.URL.Path, "gettoken") {
		return f.next.RoundTrip(r)
	}
	return nil, errors.New("connection reset by peer")
}

func TestAccessTokenNeverInErrorsOrLogs(t *testing.T) {
	fake := wecomtest.NewServer()
	defer fake.Close()
	c, logs := newClient(t, fake, wecom.WithHTTPClient(&http.Client{Transport: failingTransport{http.DefaultTransport}}))
	err := sendText(context.Background(), c, "u1", "x")
	if err == nil || !strings.Contains(err.Error(), "access_token=***") {
		t.Fatalf("err %v, want a scrubbed URL", err)
	}
	if strings.Contains(err.Error(), "fake-token") {
		t.Fatalf("token leaked in error: %v", err)
	}
	assertNoToken(t, fake, logs.String()+err.Error())

	// Wrong secret: the error must not echo corpsecret either.
	cfg := fake.Config()
	cfg.Secret = "wrongsecret123"
	bad := wecom.NewClient(cfg, wecom.WithRetry(fastRetry))
	_, err = bad.Token(context.Background())
	if wecom.ErrCode(err) != wecom.CodeInvalidCredential || strings.Contains(err.Error(), "wrongsecret123") || !wecom.NotDelivered(err) {
		t.Fatalf("err %v", err)
	}
}

func assertNoToken(t *testing.T, fake *wecomtest.Server, text string) {
	t.Helper()
	for _, r := range fake.Requests() {
		if r.Token != "" && strings.Contains(text, r.Token) {
			t.Fatalf("access token %q appears in %q", r.Token, text)
		}
	}
}

func TestSharedTokenCacheFetchesOnce(t *testing.T) {
	fake := wecomtest.NewServer()
	defer fake.Close()
	cache := wecom.NewMemoryTokenCache()
	a, _ := newClient(t, fake, wecom.WithTokenCache(cache))
	b, _ := newClient(t, fake, wecom.WithTokenCache(cache))
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(c *wecom.Client) {
			defer wg.Done()
			if _, err := c.Token(context.Background()); err != nil {
				t.Error(err)
			}
		}([]*wecom.Client{a, b}[i%2])
	}
	wg.Wait()
	if n := fake.Calls("cgi-bin/gettoken"); n > 2 {
		t.Fatalf("gettoken called %d times for two clients sharing a cache", n)
	}
}

func TestMediaUserAndCardUpdate(t *testing.T) {
	ctx := context.Background()
	fake := wecomtest.NewServer()
	defer fake.Close()
	c, _ := newClient(t, fake)

	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
	id, err := c.UploadMedia(ctx, "image", "截图.png", png)
	if err != nil {
		t.Fatal(err)
	}
	data, ct, err := c.GetMedia(ctx, id)
	if err != nil || string(data) != string(png) || ct != "image/png" {
		t.Fatalf("media round trip: %d bytes, %q, %v", len(data), ct, err)
	}
	if _, _, err := c.GetMedia(ctx, "nope"); wecom.ErrCode(err) != 40007 {
		t.Fatalf("unknown media: %v", err)
	}

	fake.AddUser(wecom.User{UserID: "0012", Name: "张三", Department: []int64{2}})
	u, err := c.GetUser(ctx, "0012")
	if err != nil || u.Name != "张三" || u.UserID != "0012" {
		t.Fatalf("user %+v %v", u, err)
	}

	res, err := c.SendMessage(ctx, &wecom.Compose("0012", []bot.Reply{bot.CardReply(bot.Card{Title: "确认", Buttons: []bot.Button{{Label: "是", Value: "是"}}})})[0].Request)
	if err != nil || res.ResponseCode == "" {
		t.Fatalf("card send: %+v %v", res, err)
	}
	if err := c.ReplaceCardButtons(ctx, "0012", res.ResponseCode, "已确认"); err != nil {
		t.Fatal(err)
	}
	if err := c.ReplaceCardButtons(ctx, "0012", res.ResponseCode, "已确认"); err == nil {
		t.Fatal("a response code must work only once")
	}
	reqs := fake.Requests()
	var upd *wecom.UpdateTemplateCardRequest
	for _, r := range reqs {
		if r.Update != nil {
			upd = r.Update
			break
		}
	}
	if upd == nil || upd.AgentID != fake.AgentID || upd.Button.ReplaceName != "已确认" || upd.UserIDs[0] != "0012" {
		t.Fatalf("update request %+v", upd)
	}
}

func TestFetchMediaStoresBlobs(t *testing.T) {
	ctx := context.Background()
	fake := wecomtest.NewServer()
	defer fake.Close()
	c, _ := newClient(t, fake)
	jpeg := append([]byte{0xff, 0xd8, 0xff, 0xe0}, make([]byte, 32)...)
	id := fake.AddMedia(jpeg, "image/jpeg")
	blobs := &memBlobs{m: map[string][]byte{}}
	msg := bot.Message{Media: []bot.Media{{Kind: "image", MediaID: id}, {Kind: "link", URL: "https://x"}}}
	if err := wecom.FetchMedia(ctx, c, blobs, &msg); err != nil {
		t.Fatal(err)
	}
	if msg.Media[0].Ref == "" || msg.Media[0].ContentType != "image/jpeg" || string(blobs.m[msg.Media[0].Ref]) != string(jpeg) {
		t.Fatalf("media %+v", msg.Media[0])
	}
	if msg.Media[1].Ref != "" {
		t.Fatal("link without media id fetched")
	}
	if err := wecom.FetchMedia(ctx, c, blobs, &msg); err != nil || fake.Calls("cgi-bin/media/get") != 1 {
		t.Fatalf("refetched: %v, %d calls", err, fake.Calls("cgi-bin/media/get"))
	}
}

type memBlobs struct{ m map[string][]byte }

func (b *memBlobs) Put(_ context.Context, data []byte, _ string) (string, error) {
	ref := "blob" + string(rune('0'+len(b.m)))
	b.m[ref] = data
	return ref, nil
}

func (b *memBlobs) Get(_ context.Context, ref string) ([]byte, string, error) {
	return b.m[ref], "", nil
}

func TestSenderLongChineseAnswerArrivesInOrder(t *testing.T) {
	fake := wecomtest.NewServer()
	defer fake.Close()
	c, _ := newClient(t, fake)
	s := wecom.NewSender(c, nil)
	answer := chinese(5000)
	if err := s.Send(context.Background(), "u1", []bot.Reply{{Text: answer}}); err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, m := range fake.MessagesTo("u1") {
		if !utf8.ValidString(m.Text.Content) {
			t.Fatal("broken character delivered")
		}
		parts = append(parts, m.Text.Content)
	}
	checkParts(t, answer, parts, wecom.MaxContentBytes)
	if p := fake.Problems(); len(p) != 0 {
		t.Fatalf("fake WeCom reports problems: %v", p)
	}
}

// fakeClock is a shared simulated clock: sleeping advances it.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	return nil
}

type noLimit struct{}

func (noLimit) Wait(context.Context, string) error { return nil }

func TestSenderPacingKeepsWeComFromDropping(t *testing.T) {
	for _, paced := range []bool{true, false} {
		fake := wecomtest.NewServer()
		clock := &fakeClock{now: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
		fake.SetClock(clock.Now)
		c, _ := newClient(t, fake)
		var lim wecom.Limiter = noLimit{}
		if paced {
			lim = wecom.NewMemoryLimiter().WithClock(clock.Now, clock.Sleep)
		}
		s := wecom.NewSender(c, lim)
		for i := 0; i < 45; i++ {
			// one card per send so nothing merges
			r := bot.CardReply(bot.Card{Title: "第" + string(rune('A'+i%26)), Buttons: []bot.Button{{Label: "好", Value: "好"}}})
			if err := s.Send(context.Background(), "u1", []bot.Reply{r}); err != nil {
				t.Fatal(err)
			}
		}
		dropped := 0
		for _, r := range fake.Requests() {
			if r.Dropped {
				dropped++
			}
		}
		elapsed := clock.Now().Sub(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
		if paced && (dropped != 0 || len(fake.MessagesTo("u1")) != 45 || elapsed < time.Minute) {
			t.Fatalf("paced: %d dropped, %d delivered, %s elapsed", dropped, len(fake.MessagesTo("u1")), elapsed)
		}
		if !paced && dropped != 15 {
			t.Fatalf("unpaced control: %d dropped, want 15 (the fake must enforce 30/min)", dropped)
		}
		fake.Close()
	}
}

func TestMemoryLimiterHourlyLimit(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
	lim := wecom.NewMemoryLimiter().WithClock(clock.Now, clock.Sleep)
	start := clock.Now()
	for i := 0; i < 1001; i++ {
		if err := lim.Wait(context.Background(), "u1"); err != nil {
			t.Fatal(err)
		}
	}
	if el := clock.Now().Sub(start); el < time.Hour {
		t.Fatalf("1001 sends in %s: hourly limit not enforced", el)
	}
	// other users are not held back
	before := clock.Now()
	if err := lim.Wait(context.Background(), "u2"); err != nil || clock.Now() != before {
		t.Fatal("u2 was delayed by u1's budget")
	}
}

// brokenCache is a shared token cache that is down (Redis outage).
type brokenCache struct{}

func (brokenCache) Get(context.Context) (string, bool, error) {
	return "", false, errors.New("redis down")
}
func (brokenCache) Set(context.Context, string, time.Duration) error { return errors.New("redis down") }
func (brokenCache) Invalidate(context.Context, string) error         { return errors.New("redis down") }

func TestTokenCacheOutageDoesNotHammerGettoken(t *testing.T) {
	fake := wecomtest.NewServer()
	defer fake.Close()
	c, _ := newClient(t, fake, wecom.WithTokenCache(brokenCache{}))
	for i := 0; i < 5; i++ {
		if err := sendText(context.Background(), c, "u1", "x"); err != nil {
			t.Fatal(err)
		}
	}
	if n := fake.Calls("cgi-bin/gettoken"); n != 1 {
		t.Fatalf("gettoken called %d times during a cache outage, want 1", n)
	}
}

func TestMediaFilesThatLookLikeJSON(t *testing.T) {
	ctx := context.Background()
	fake := wecomtest.NewServer()
	defer fake.Close()
	c, _ := newClient(t, fake)
	for _, content := range []string{`{"errcode": 0, "note": "a user's JSON file"}`, `{"hello": "world"}`, "纯文本附件内容"} {
		id, err := c.UploadMedia(ctx, "file", "a.json", []byte(content))
		if err != nil {
			t.Fatal(err)
		}
		data, _, err := c.GetMedia(ctx, id)
		if err != nil || string(data) != content {
			t.Fatalf("file %q came back as %q, %v", content, data, err)
		}
	}
}
