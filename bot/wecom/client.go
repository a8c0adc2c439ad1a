package wecom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// RetryPolicy is how often and how patiently failed calls are retried.
type RetryPolicy struct {
	Attempts int           // total tries per call, including the first
	Base     time.Duration // first backoff; doubles each retry
	Max      time.Duration // backoff cap
}

// DefaultRetry tries 5 times over about 10 seconds.
var DefaultRetry = RetryPolicy{Attempts: 5, Base: 500 * time.Millisecond, Max: 5 * time.Second}

// Client calls the WeCom API for one app.
type Client struct {
	cfg        Config
	http       *http.Client
	tokens     TokenCache
	local      *MemoryTokenCache // fallback while tokens is unreachable
	log        *slog.Logger
	retry      RetryPolicy
	timeout    time.Duration // per attempt, JSON calls
	mediaLimit int64
	fetchMu    sync.Mutex
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient replaces the default HTTP client (timeouts, HTTPS_PROXY).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithTokenCache shares the access token, e.g. through Redis between replicas.
func WithTokenCache(t TokenCache) Option { return func(c *Client) { c.tokens = t } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.log = l } }

// WithRetry sets the retry policy.
func WithRetry(p RetryPolicy) Option { return func(c *Client) { c.retry = p } }

// WithTimeout bounds each attempt of a JSON call (media calls get 6×).
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// NewClient returns a client for cfg.APIBase with an in-memory token cache unless
// WithTokenCache is given.
func NewClient(cfg Config, opts ...Option) *Client {
	cfg.Defaults()
	c := &Client{
		cfg:        cfg,
		tokens:     NewMemoryTokenCache(),
		local:      NewMemoryTokenCache(),
		log:        slog.Default(),
		retry:      DefaultRetry,
		timeout:    10 * time.Second,
		mediaLimit: 32 << 20,
	}
	for _, o := range opts {
		o(c)
	}
	if c.http == nil {
		c.http = NewHTTPClient()
	}
	if c.retry.Attempts < 1 {
		c.retry.Attempts = 1
	}
	c.log = c.log.With("component", "wecom.api")
	return c
}

// NewHTTPClient has connect/TLS/header timeouts and honours HTTPS_PROXY/NO_PROXY.
// Each call also carries its own deadline.
func NewHTTPClient() *http.Client {
	return &http.Client{
		Timeout: 2 * time.Minute, // backstop; per-attempt contexts are tighter
		// Never follow a redirect: the query carries the corp secret or the
		// access token, which must go to the configured API host only.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   5 * time.Second,
			ResponseHeaderTimeout: 15 * time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   16,
			ForceAttemptHTTP2:     true,
		},
	}
}

// AgentID is the app's agent ID.
func (c *Client) AgentID() int64 { return c.cfg.AgentID }

// Token returns a valid access token from the cache or from gettoken. When the
// shared cache is unreachable the process-local copy is used, so a Redis outage
// does not turn every API call into a gettoken call.
func (c *Client) Token(ctx context.Context) (string, error) {
	if tok, ok := c.cachedToken(ctx); ok {
		return tok, nil
	}
	// One fetch at a time in this process; others wait and reuse it.
	c.fetchMu.Lock()
	defer c.fetchMu.Unlock()
	if tok, ok := c.cachedToken(ctx); ok {
		return tok, nil
	}
	var out struct {
		apiStatus
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	q := url.Values{"corpid": {c.cfg.CorpID}, "corpsecret": {c.cfg.Secret}}
	resp, err := c.attempts(ctx, "cgi-bin/gettoken", func(ctx context.Context) (*rawResponse, error) {
		return c.send(ctx, http.MethodGet, "cgi-bin/gettoken", q, nil, "", c.timeout)
	})
	if err != nil {
		return "", &TokenError{Err: err}
	}
	if err := json.Unmarshal(resp.body, &out); err != nil {
		return "", fmt.Errorf("wecom gettoken: bad JSON: %w", err)
	}
	if out.ErrCode != 0 || out.AccessToken == "" {
		return "", &TokenError{Err: &APIError{Path: "cgi-bin/gettoken", Code: out.ErrCode, Msg: Scrub(out.ErrMsg)}}
	}
	ttl := time.Duration(out.ExpiresIn)*time.Second - 5*time.Minute
	if ttl < time.Minute {
		ttl = time.Minute
	}
	_ = c.local.Set(ctx, out.AccessToken, ttl)
	if err := c.tokens.Set(ctx, out.AccessToken, ttl); err != nil {
		c.log.Warn("token cache set failed", "err", err)
	}
	return out.AccessToken, nil
}

func (c *Client) cachedToken(ctx context.Context) (string, bool) {
	tok, ok, err := c.tokens.Get(ctx)
	if err == nil {
		return tok, ok
	}
	c.log.Warn("token cache unavailable, using the local copy", "err", err)
	tok, ok, _ = c.local.Get(ctx)
	return tok, ok
}

func (c *Client) invalidateToken(ctx context.Context, tok string) {
	_ = c.local.Invalidate(ctx, tok)
	if err := c.tokens.Invalidate(ctx, tok); err != nil {
		c.log.Warn("token cache invalidate failed", "err", err)
	}
}

type rawResponse struct {
	status      int
	contentType string
	header      http.Header
	body        []byte
}

// isJSON reports whether the answer is WeCom's JSON (media/get answers errors in JSON
// and media as bytes).
func (r *rawResponse) isJSON() bool {
	if r.header.Get("Content-Disposition") != "" {
		return false // a file, even a .json or .txt one
	}
	mt, _, _ := mime.ParseMediaType(r.contentType)
	return mt == "application/json" || (mt == "text/plain" || mt == "") && bytes.HasPrefix(bytes.TrimSpace(r.body), []byte("{"))
}

// call runs one API call with a token: refresh + retry once on token errors,
// backoff on 5xx, timeouts and 45009.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, body []byte, contentType string, timeout time.Duration) (*rawResponse, error) {
	refreshed := false
	for {
		tok, err := c.Token(ctx)
		if err != nil {
			return nil, err
		}
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("access_token", tok)
		resp, err := c.attempts(ctx, path, func(ctx context.Context) (*rawResponse, error) {
			return c.send(ctx, method, path, q, body, contentType, timeout)
		})
		if err == nil {
			return resp, nil
		}
		switch code := ErrCode(err); code {
		case CodeInvalidCredential, CodeInvalidToken, CodeTokenExpired:
			if refreshed {
				return nil, err
			}
			refreshed = true
			c.log.Info("access token rejected, refreshing", "path", path, "errcode", code)
			c.invalidateToken(ctx, tok)
			continue
		case CodeUntrustedIP:
			c.log.Error("WeCom refused the call: this server's egress IP is not trusted. Fix: WeCom admin console → 应用管理 → this app → 企业可信IP, add the IP WeCom reports below (it applies after about 1 minute)",
				"path", path, "errmsg", err.Error())
		}
		return nil, err
	}
}

// attempts retries one request on transient failures with exponential backoff.
func (c *Client) attempts(ctx context.Context, path string, try func(context.Context) (*rawResponse, error)) (*rawResponse, error) {
	ambiguous := false // some attempt may have reached WeCom
	for attempt := 1; ; attempt++ {
		resp, err := try(ctx)
		if err == nil && resp.isJSON() {
			var st apiStatus
			if jerr := json.Unmarshal(resp.body, &st); jerr != nil {
				err = fmt.Errorf("wecom %s: bad JSON answer: %v", path, jerr)
			} else if st.ErrCode != 0 {
				err = &APIError{Path: path, Code: st.ErrCode, Msg: Scrub(st.ErrMsg)}
			}
		}
		if err == nil {
			return resp, nil
		}
		if !notDelivered(err) {
			ambiguous = true
		}
		// A message WeCom may already have shown the user is not sent again:
		// a duplicate reply is worse than the outbox reporting "maybe sent".
		if ctx.Err() != nil || !retryable(err) || attempt >= c.retry.Attempts || ambiguous && !repeatable(path) {
			if ambiguous {
				return nil, &MaybeDeliveredError{Err: err}
			}
			return nil, err
		}
		wait := c.backoff(attempt)
		c.log.Warn("wecom call failed, retrying", "path", path, "attempt", attempt, "wait", wait, "err", err.Error())
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			if ambiguous {
				return nil, &MaybeDeliveredError{Err: err}
			}
			return nil, err
		case <-t.C:
		}
	}
}

// repeatable reports whether calling path twice has the effect of calling it
// once; a send puts a second message in the user's chat.
func repeatable(path string) bool {
	return path != "cgi-bin/message/send" && path != "cgi-bin/appchat/send" && path != "cgi-bin/webhook/send"
}

// statusError is an HTTP-level failure.
type statusError struct {
	path   string
	status int
}

func (e *statusError) Error() string { return fmt.Sprintf("wecom %s: HTTP %d", e.path, e.status) }

func retryable(err error) bool {
	if ErrCode(err) == CodeRateLimited {
		return true
	}
	var se *statusError
	if errors.As(err, &se) {
		return se.status >= 500 || se.status == http.StatusTooManyRequests
	}
	var te *scrubbedError
	// Any transport failure (timeout, reset, refused) is worth another try.
	return errors.As(err, &te)
}

func (c *Client) backoff(attempt int) time.Duration {
	d := c.retry.Base << (attempt - 1)
	if c.retry.Max > 0 && (d > c.retry.Max || d <= 0) {
		d = c.retry.Max
	}
	// ±20 % jitter so replicas do not retry in lockstep.
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// send performs one HTTP request with its own deadline. Errors are scrubbed.
func (c *Client) send(ctx context.Context, method, path string, q url.Values, body []byte, contentType string, timeout time.Duration) (*rawResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	u := c.cfg.APIBase + "/" + path + "?" + q.Encode()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, scrubError(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, scrubError(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.mediaLimit+1))
	if err != nil {
		return nil, scrubError(err)
	}
	if int64(len(data)) > c.mediaLimit {
		return nil, fmt.Errorf("wecom %s: answer larger than %d bytes", path, c.mediaLimit)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &statusError{path: path, status: resp.StatusCode}
	}
	return &rawResponse{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), header: resp.Header, body: data}, nil
}

// postJSON sends in as JSON and decodes the answer into out.
func (c *Client) postJSON(ctx context.Context, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	resp, err := c.call(ctx, http.MethodPost, path, nil, body, "application/json; charset=utf-8", c.timeout)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(resp.body, out); err != nil {
		return fmt.Errorf("wecom %s: bad JSON answer: %w", path, err)
	}
	return nil
}
