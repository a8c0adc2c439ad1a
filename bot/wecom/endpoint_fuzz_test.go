package wecom_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"deliverybot/bot/wecom"
	"deliverybot/bot/wecom/wecomtest"
)

// FuzzReceive throws arbitrary queries and bodies at the callback endpoint: it must
// answer a 2xx/4xx, never 500 (a recovered panic), whatever arrives.
func FuzzReceive(f *testing.F) {
	vf := loadVectors(f)
	for _, v := range append(vf.accepted(), vf.Forged...) {
		f.Add(v.RawQuery, []byte(v.Body))
	}
	f.Add("msg_signature=%zz&timestamp=1&nonce=1", []byte("<xml>"))
	f.Add("", []byte{})
	v := vf.Official[1] // official_decrypt_msg_xml_QDG6eK
	e := echo.New()
	acc := &recordingAcceptor{}
	clock := vectorClock(v)
	if _, err := wecom.Register(e, vectorConfig(v), wecom.CallbackDeps{Acceptor: acc, Now: clock,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Replay: nopReplay{}}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, rawQuery string, body []byte) {
		for _, method := range []string{http.MethodPost, http.MethodGet} {
			req := httptest.NewRequest(method, "/wecom/callback", bytes.NewReader(body))
			req.URL.RawQuery = rawQuery
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("%s %q answered %d", method, rawQuery, rec.Code)
			}
		}
	})
}

type nopReplay struct{}

func (nopReplay) Seen(context.Context, string, string) (bool, error)          { return false, nil }
func (nopReplay) Record(context.Context, string, string, time.Duration) error { return nil }

func BenchmarkReceive(b *testing.B) {
	fake := wecomtest.NewServer()
	defer fake.Close()
	cfg := fake.Config()
	e := echo.New()
	acc := &recordingAcceptor{}
	if _, err := wecom.Register(e, cfg, wecom.CallbackDeps{Acceptor: acc, Replay: nopReplay{},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}); err != nil {
		b.Fatal(err)
	}
	cc, _ := wecomtest.NewCallbackClient("", cfg)
	s, err := cc.Seal(cc.Text("u1", "VPN连不上怎么办，已经重启过电脑了").XML())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/wecom/callback?"+s.RawQuery(), bytes.NewReader(s.Body))
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

func BenchmarkSplitText5000(b *testing.B) {
	s := chinese(5000)
	b.ReportAllocs()
	for b.Loop() {
		if len(wecom.SplitText(s, wecom.MaxContentBytes)) < 2 {
			b.Fatal("not split")
		}
	}
}
