package wecom_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"deliverybot/bot/wecom"
)

// TestClientHonoursHTTPSProxy runs the client in a child process (Go reads the proxy
// variables once per process) with HTTPS_PROXY pointing at a recording proxy and
// checks the API call went through it as a CONNECT to WeCom.
func TestClientHonoursHTTPSProxy(t *testing.T) {
	if os.Getenv("WECOM_PROXY_CHILD") == "1" {
		cfg := wecom.Config{CorpID: "ww1", AgentID: 1, Secret: "s", APIBase: wecom.DefaultAPIBase}
		c := wecom.NewClient(cfg, wecom.WithRetry(wecom.RetryPolicy{Attempts: 1}))
		_, err := c.Token(context.Background())
		if err == nil {
			t.Fatal("expected the refusing proxy to fail the call")
		}
		return
	}
	var mu sync.Mutex
	var seen []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.Host)
		mu.Unlock()
		http.Error(w, "proxy says no", http.StatusForbidden)
	}))
	defer proxy.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestClientHonoursHTTPSProxy$", "-test.count=1")
	cmd.Env = append(os.Environ(), "WECOM_PROXY_CHILD=1", "HTTPS_PROXY="+proxy.URL, "https_proxy="+proxy.URL, "NO_PROXY=", "no_proxy=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child failed: %v\n%s", err, out)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) == 0 || !strings.HasPrefix(seen[0], "CONNECT qyapi.weixin.qq.com:443") {
		t.Fatalf("proxy saw %v, want CONNECT qyapi.weixin.qq.com:443", seen)
	}
}
