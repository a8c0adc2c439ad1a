package wecomtest_test

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"deliverybot/bot/wecom"
	"deliverybot/bot/wecom/wecomtest"
)

func TestPayloadRoundTripsThroughCrypto(t *testing.T) {
	fake := wecomtest.NewServer()
	defer fake.Close()
	cc, err := wecomtest.NewCallbackClient("http://unused", fake.Config())
	if err != nil {
		t.Fatal(err)
	}
	p := cc.Text("0012", "含有 ]]> 和 <xml> 的内容")
	s, err := cc.Seal(p.XML())
	if err != nil {
		t.Fatal(err)
	}
	cr, _ := fake.Config().Crypto()
	env, err := wecom.ParseEnvelope(s.Body)
	if err != nil || env.Encrypt != s.Encrypt {
		t.Fatalf("envelope %+v %v", env, err)
	}
	if err := cr.VerifySignature(s.Signature, s.Timestamp, s.Nonce, env.Encrypt); err != nil {
		t.Fatal(err)
	}
	plain, err := cr.Decrypt(env.Encrypt)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := wecom.ParseCallback(plain)
	if err != nil {
		t.Fatal(err)
	}
	if cb.Content != "含有 ]]> 和 <xml> 的内容" || cb.FromUserName != "0012" || cb.MsgID == "" || cb.ToUserName != fake.CorpID {
		t.Fatalf("callback %+v", cb)
	}
	if cc.Text("u", "a").MsgID == cc.Text("u", "a").MsgID {
		t.Fatal("message IDs repeat")
	}
}

func TestFakeRejectsBadCredentialsAndAgent(t *testing.T) {
	fake := wecomtest.NewServer()
	defer fake.Close()
	cfg := fake.Config()
	cfg.AgentID = 42
	c := wecom.NewClient(cfg, wecom.WithRetry(wecom.RetryPolicy{Attempts: 1}))
	_, err := c.SendMessage(context.Background(), &wecom.MessageRequest{ToUser: "u", MsgType: wecom.MsgText, Text: &wecom.Content{Content: "x"}})
	if wecom.ErrCode(err) != 40056 {
		t.Fatalf("wrong agent id: %v", err)
	}
	_, err = wecom.NewClient(fake.Config()).SendMessage(context.Background(), &wecom.MessageRequest{ToUser: "u", MsgType: wecom.MsgText, Text: &wecom.Content{Content: " "}})
	if wecom.ErrCode(err) != 44004 {
		t.Fatalf("empty content: %v", err)
	}
	if len(fake.Messages()) != 0 {
		t.Fatal("refused messages counted as delivered")
	}
	for _, r := range fake.Requests() {
		if r.Query.Get("access_token") != "" && r.Query.Get("access_token") != "***" {
			t.Fatal("recorded query keeps the token")
		}
	}
}

func TestFakeRecordsProblemsAndPrints(t *testing.T) {
	fake := wecomtest.NewServerWith(wecomtest.DemoConfig())
	defer fake.Close()
	var out strings.Builder
	fake.SetOutput(&out)
	c := wecom.NewClient(fake.Config())
	long := strings.Repeat("长", 700) // 2100 bytes
	if _, err := c.SendMessage(context.Background(), &wecom.MessageRequest{ToUser: "u1", MsgType: wecom.MsgText, Text: &wecom.Content{Content: long}}); err != nil {
		t.Fatal(err)
	}
	if p := fake.Problems(); len(p) != 1 || !strings.Contains(p[0], "2048") {
		t.Fatalf("problems %v", p)
	}
	if !strings.Contains(out.String(), "→ u1 (text)") {
		t.Fatalf("output %q", out.String())
	}
	if fake.Config().APIBase != fake.URL || fake.Config().Token != "deliverybotdemo" {
		t.Fatalf("config %v", fake.Config())
	}
}

func TestDeliverGivesUpAfterThreeRetries(t *testing.T) {
	calls := 0
	fake := wecomtest.NewServer()
	defer fake.Close()
	ts := newStatusServer(t, http.StatusServiceUnavailable, &calls)
	cc, _ := wecomtest.NewCallbackClient(ts, fake.Config())
	st, err := cc.Deliver(context.Background(), cc.Text("u", "x"))
	if err == nil || len(st) != 4 || calls != 4 {
		t.Fatalf("statuses %v, calls %d, err %v: want 1 try + 3 retries", st, calls, err)
	}
}

func TestStartLocalServesAValidConfig(t *testing.T) {
	var out strings.Builder
	fake, cfg := wecomtest.StartLocal(wecom.Config{}, &out)
	defer fake.Close()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("local config invalid: %v", err)
	}
	if cfg.APIBase != fake.URL || cfg.CorpID != wecomtest.DemoConfig().CorpID {
		t.Fatalf("config %v", cfg)
	}
	if _, err := wecom.NewClient(cfg).SendMessage(context.Background(), &wecom.MessageRequest{ToUser: "u1", MsgType: wecom.MsgMarkdown, Markdown: &wecom.Content{Content: "**好**"}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "**好**") {
		t.Fatalf("nothing printed: %q", out.String())
	}
}

func TestLocalFakeServesPlaceholderImages(t *testing.T) {
	fake, cfg := wecomtest.StartLocal(wecom.Config{}, nil)
	defer fake.Close()
	data, ct, err := wecom.NewClient(cfg).GetMedia(context.Background(), "any-media-id")
	if err != nil || ct != "image/png" {
		t.Fatalf("%q %v", ct, err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil || img.Bounds().Dx() != 1 {
		t.Fatalf("placeholder is not a PNG: %v", err)
	}
}
