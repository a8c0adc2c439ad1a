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
	"strings"
	"sync"
	"time"
)

// WeCom error codes the client acts on.
const (
	CodeInvalidCredential = 40001 // bad secret, or (on API calls) an invalid token
	CodeInvalidToken      = 40014
	CodeTokenExpired      = 42001
	CodeRateLimited       = 45009
	CodeUntrustedIP       = 60020
	CodeNoVisibleUser     = 81013
)

// APIError is a non-zero errcode from WeCom. It never contains the access_token.
type APIError struct {
	Path string
	Code int
	Msg  string
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("wecom %s: errcode %d: %s", e.Path, e.Code, e.Msg)
	if h := codeHint(e.Code); h != "" {
		s += " (" + h + ")"
	}
	return s
}

// ErrCode returns the WeCom errcode inside err, or 0.
func ErrCode(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return 0
}

func codeHint(code int) string {
	switch code {
	case CodeUntrustedIP:
		return "fix: add this server's egress IP to the app's 企业可信IP in the WeCom admin console (应用管理 → 应用 → 企业可信IP); it applies after about 1 minute"
	case CodeInvalidCredential:
		return "check WECOM_CORP_ID and WECOM_SECRET belong to the same app and the secret was not reset"
	case CodeNoVisibleUser:
		return "the user is outside the app's visible range (可见范围)"
	case CodeRateLimited:
		return "API rate limit hit; the block lasts for the limit window"
	}
	return ""
}

// TokenError is a failure to get an access token: the API call itself never went out.
type TokenError struct{ Err error }

func (e *TokenError) Error() string { return "wecom access token: " + e.Err.Error() }
func (e *TokenError) Unwrap() error { return e.Err }

// MaybeDeliveredError wraps a failure after an attempt whose outcome is unknown
// (e.g. a timeout after the request was written): WeCom may have delivered it.
type MaybeDeliveredError struct{ Err error }

func (e *MaybeDeliveredError) Error() string { return e.Err.Error() + " (may have been delivered)" }
func (e *MaybeDeliveredError) Unwrap() error { return e.Err }

// NotDelivered reports whether a send error means WeCom certainly did not deliver
// the message, so an outbox may retry it without risking a duplicate: WeCom
// answered with an errcode or an HTTP error, the token could not be fetched, the
// connection was never made, or the rate-limit wait was cancelled.
func NotDelivered(err error) bool {
	if err == nil {
		return false
	}
	var md *MaybeDeliveredError
	if errors.As(err, &md) {
		return false
	}
	return notDelivered(err)
}

func notDelivered(err error) bool {
	var (
		ae *APIError
		se *statusError
		te *TokenError
		le *limitWaitError
		tr *scrubbedError
	)
	switch {
	case errors.As(err, &ae), errors.As(err, &se), errors.As(err, &te), errors.As(err, &le):
		return true
	case errors.As(err, &tr):
		return tr.beforeSend
	}
	return false
}

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
		if ctx.Err() != nil || !retryable(err) || attempt >= c.retry.Attempts {
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

// SendMessage posts one message/send request (agentid is filled in).
func (c *Client) SendMessage(ctx context.Context, m *MessageRequest) (*SendResult, error) {
	m.AgentID = c.cfg.AgentID
	var out SendResult
	if err := c.postJSON(ctx, "cgi-bin/message/send", m, &out); err != nil {
		return nil, err
	}
	if out.InvalidUser != "" {
		c.log.Warn("message/send: some recipients are invalid", "invaliduser", out.InvalidUser)
	}
	return &out, nil
}

// UpdateTemplateCard updates a button_interaction card once per response code.
func (c *Client) UpdateTemplateCard(ctx context.Context, r *UpdateTemplateCardRequest) error {
	r.AgentID = c.cfg.AgentID
	return c.postJSON(ctx, "cgi-bin/message/update_template_card", r, nil)
}

// ReplaceCardButtons greys out the buttons of the card the user clicked, showing label.
func (c *Client) ReplaceCardButtons(ctx context.Context, userID, responseCode, label string) error {
	return c.UpdateTemplateCard(ctx, &UpdateTemplateCardRequest{
		UserIDs: []string{userID}, ResponseCode: responseCode, Button: &ReplaceName{ReplaceName: label},
	})
}

// GetUser reads a member's name and departments.
func (c *Client) GetUser(ctx context.Context, userID string) (*User, error) {
	resp, err := c.call(ctx, http.MethodGet, "cgi-bin/user/get", url.Values{"userid": {userID}}, nil, "", c.timeout)
	if err != nil {
		return nil, err
	}
	var u User
	if err := json.Unmarshal(resp.body, &u); err != nil {
		return nil, fmt.Errorf("wecom user/get: bad JSON answer: %w", err)
	}
	return &u, nil
}

// GetMedia downloads a media_id (valid 3 days) and returns its bytes and content type.
func (c *Client) GetMedia(ctx context.Context, mediaID string) ([]byte, string, error) {
	resp, err := c.call(ctx, http.MethodGet, "cgi-bin/media/get", url.Values{"media_id": {mediaID}}, nil, "", 6*c.timeout)
	if err != nil {
		return nil, "", err
	}
	if resp.isJSON() {
		return nil, "", fmt.Errorf("wecom media/get: JSON answer instead of media")
	}
	ct := resp.contentType
	if ct == "" || ct == "application/octet-stream" {
		ct = http.DetectContentType(resp.body)
	}
	return resp.body, ct, nil
}

// UploadMedia uploads a temporary media file (image, voice, video, file) and returns its media_id.
func (c *Client) UploadMedia(ctx context.Context, kind, filename string, data []byte) (string, error) {
	body, ctype, err := multipartBody(filename, data)
	if err != nil {
		return "", err
	}
	resp, err := c.call(ctx, http.MethodPost, "cgi-bin/media/upload", url.Values{"type": {kind}}, body, ctype, 6*c.timeout)
	if err != nil {
		return "", err
	}
	var out struct {
		Type    string `json:"type"`
		MediaID string `json:"media_id"`
	}
	if err := json.Unmarshal(resp.body, &out); err != nil || out.MediaID == "" {
		return "", fmt.Errorf("wecom media/upload: no media_id in answer")
	}
	return out.MediaID, nil
}

func multipartBody(filename string, data []byte) ([]byte, string, error) {
	var buf bytes.Buffer
	boundary := fmt.Sprintf("deliverybot%016x", rand.Uint64())
	fmt.Fprintf(&buf, "--%s\r\nContent-Disposition: form-data; name=\"media\"; filename=\"%s\"; filelength=%d\r\nContent-Type: application/octet-stream\r\n\r\n",
		boundary, strings.NewReplacer("\"", "", "\r", "", "\n", "").Replace(filename), len(data))
	buf.Write(data)
	fmt.Fprintf(&buf, "\r\n--%s--\r\n", boundary)
	return buf.Bytes(), "multipart/form-data; boundary=" + boundary, nil
}
