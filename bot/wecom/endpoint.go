package wecom

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"deliverybot/bot"
)

// CallbackPath is where WeCom is configured to send callbacks.
const CallbackPath = "/wecom/callback"

// MaxBodyBytes caps a callback POST body.
const MaxBodyBytes = 1 << 20

// Acceptor durably takes a parsed message (dedupe + enqueue). duplicate is true when
// dedupeKey was already accepted. An error means nothing durable happened and WeCom
// should retry (the endpoint answers 503).
type Acceptor interface {
	Accept(ctx context.Context, msg bot.Message, dedupeKey string) (duplicate bool, err error)
}

// AcceptorFunc adapts a function to Acceptor.
type AcceptorFunc func(ctx context.Context, msg bot.Message, dedupeKey string) (bool, error)

// Accept calls f.
func (f AcceptorFunc) Accept(ctx context.Context, msg bot.Message, dedupeKey string) (bool, error) {
	return f(ctx, msg, dedupeKey)
}

// ReplayGuard remembers (timestamp, nonce) pairs of callbacks already accepted, shared
// by all replicas. Record is called only after the message was durably accepted.
type ReplayGuard interface {
	Seen(ctx context.Context, timestamp, nonce string) (bool, error)
	Record(ctx context.Context, timestamp, nonce string, ttl time.Duration) error
}

// CallbackDeps wires the endpoint to the rest of the system.
type CallbackDeps struct {
	Acceptor Acceptor // required
	// Replay defaults to an in-memory guard, which is right only for a single replica.
	Replay ReplayGuard
	// Ready backs /readyz (e.g. Redis ping); nil means always ready.
	Ready func(ctx context.Context) error
	// Now is the clock for the timestamp window (tests inject it for 2014 vectors).
	Now func() time.Time
	Log *slog.Logger
	// MaxBodyBytes defaults to 1 MiB.
	MaxBodyBytes int64
	// ReplayTTL defaults to twice the skew window (24 h when the window is off).
	ReplayTTL time.Duration
	// AcceptTimeout bounds the replay check, Accept and Record together so we answer
	// (503 when the store is slow or down) well inside WeCom's 5 s; default 3 s.
	AcceptTimeout time.Duration
}

// CallbackHandler serves /wecom/callback, health checks and the domain-verify file.
type CallbackHandler struct {
	crypto *Crypto
	cfg    Config
	deps   CallbackDeps
	log    *slog.Logger
}

// NewCallbackHandler checks the config and fills defaults.
func NewCallbackHandler(cfg Config, deps CallbackDeps) (*CallbackHandler, error) {
	cr, err := cfg.Crypto()
	if err != nil {
		return nil, err
	}
	if deps.Acceptor == nil {
		return nil, errors.New("wecom: CallbackDeps.Acceptor is required")
	}
	if deps.Replay == nil {
		deps.Replay = NewMemoryReplayGuard()
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	if deps.MaxBodyBytes <= 0 {
		deps.MaxBodyBytes = MaxBodyBytes
	}
	if deps.ReplayTTL <= 0 {
		deps.ReplayTTL = 2 * cfg.MaxSkew
		if cfg.MaxSkew == 0 {
			deps.ReplayTTL = 24 * time.Hour
		}
	}
	if deps.AcceptTimeout <= 0 {
		deps.AcceptTimeout = 3 * time.Second
	}
	return &CallbackHandler{crypto: cr, cfg: cfg, deps: deps, log: deps.Log.With("component", "wecom.callback")}, nil
}

// Register mounts the callback, /healthz, /readyz and (when configured) the
// WW_verify_<code>.txt file on e.
func Register(e *echo.Echo, cfg Config, deps CallbackDeps) (*CallbackHandler, error) {
	h, err := NewCallbackHandler(cfg, deps)
	if err != nil {
		return nil, err
	}
	h.Register(e)
	return h, nil
}

// Register mounts the routes on e.
func (h *CallbackHandler) Register(e *echo.Echo) {
	e.GET(CallbackPath, h.Verify)
	e.POST(CallbackPath, h.Receive)
	e.GET("/healthz", h.Healthz)
	e.GET("/readyz", h.Readyz)
	if code := h.cfg.DomainVerify; code != "" {
		e.GET("/WW_verify_"+code+".txt", func(c echo.Context) error {
			return c.Blob(http.StatusOK, "text/plain; charset=utf-8", []byte(code))
		})
	}
}

// Healthz says the process is alive.
func (h *CallbackHandler) Healthz(c echo.Context) error {
	return c.String(http.StatusOK, "ok")
}

// Readyz runs the injected readiness check.
func (h *CallbackHandler) Readyz(c echo.Context) error {
	if h.deps.Ready != nil {
		ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		if err := h.deps.Ready(ctx); err != nil {
			h.log.Warn("not ready", "err", err)
			return c.String(http.StatusServiceUnavailable, "not ready")
		}
	}
	return c.String(http.StatusOK, "ready")
}

// rejection is a refused callback: the status to answer and the reason to log.
type rejection struct {
	status int
	reason string
	err    error
}

func reject(status int, reason string, err error) *rejection {
	return &rejection{status: status, reason: reason, err: err}
}

// Verify answers WeCom's URL verification with the bare decrypted echostr.
func (h *CallbackHandler) Verify(c echo.Context) (err error) {
	defer h.recoverPanic(c, &err)
	q, perr := parseRawQuery(c.Request().URL.RawQuery)
	if perr != nil {
		return h.refuse(c, reject(http.StatusBadRequest, "bad query", perr))
	}
	echostr := q["echostr"]
	if echostr == "" {
		return h.refuse(c, reject(http.StatusBadRequest, "echostr missing", nil))
	}
	if r := h.checkSigned(q, echostr); r != nil {
		return h.refuse(c, r)
	}
	plain, derr := h.crypto.Decrypt(echostr)
	if derr != nil {
		return h.refuse(c, decryptRejection(derr))
	}
	// echostr is a short random string; refusing anything that looks like a message
	// keeps GET from decrypting captured POST payloads (the signature formula is the same).
	if len(plain) > 256 || strings.ContainsAny(string(plain), "<{") {
		return h.refuse(c, reject(http.StatusBadRequest, "echostr plaintext is not a verification string", nil))
	}
	h.log.Info("wecom url verification answered")
	return c.Blob(http.StatusOK, "text/plain; charset=utf-8", plain)
}

// Receive handles an encrypted callback POST: check, decrypt, parse, accept, ack.
func (h *CallbackHandler) Receive(c echo.Context) (err error) {
	defer h.recoverPanic(c, &err)
	req := c.Request()
	q, perr := parseRawQuery(req.URL.RawQuery)
	if perr != nil {
		return h.refuse(c, reject(http.StatusBadRequest, "bad query", perr))
	}
	body, r := h.readBody(req)
	if r != nil {
		return h.refuse(c, r)
	}
	env, perr := ParseEnvelope(body)
	if perr != nil {
		return h.refuse(c, reject(http.StatusBadRequest, "body is not a WeCom XML envelope", perr))
	}
	if r := h.checkSigned(q, env.Encrypt); r != nil {
		return h.refuse(c, r)
	}
	ts, nonce := q["timestamp"], q["nonce"]
	// One budget for every store call so we answer well inside WeCom's 5 s.
	ctx, cancel := context.WithTimeout(req.Context(), h.deps.AcceptTimeout)
	defer cancel()
	seen, serr := h.deps.Replay.Seen(ctx, ts, nonce)
	if serr != nil {
		return h.refuse(c, reject(http.StatusServiceUnavailable, "replay guard unavailable", serr))
	}
	if seen {
		h.log.Info("wecom callback already accepted (retry or replay), not processed again", "timestamp", ts, "nonce", nonce)
		return c.NoContent(http.StatusOK)
	}
	plain, derr := h.crypto.Decrypt(env.Encrypt)
	if derr != nil {
		return h.refuse(c, decryptRejection(derr))
	}
	cb, perr := ParseCallback(plain)
	if perr != nil {
		return h.refuse(c, reject(http.StatusBadRequest, "decrypted payload is not callback XML", perr))
	}
	msg, merr := cb.Message()
	if errors.Is(merr, ErrIgnored) {
		h.log.Info("wecom callback ignored", "msgtype", cb.MsgType, "event", cb.Event, "change_type", cb.ChangeType)
		return c.NoContent(http.StatusOK)
	}
	if merr != nil {
		return h.refuse(c, reject(http.StatusBadRequest, "cannot convert callback", merr))
	}
	if cb.CreateTime == 0 {
		msg.Time = h.deps.Now().UTC()
	}
	return h.accept(ctx, c, msg, cb.DedupeKey(), ts, nonce)
}

func (h *CallbackHandler) accept(ctx context.Context, c echo.Context, msg bot.Message, key, ts, nonce string) error {
	dup, err := h.deps.Acceptor.Accept(ctx, msg, key)
	if err != nil {
		// Nothing durable happened: 503 makes WeCom retry, and the pair is not recorded
		// so that retry gets through.
		return h.refuse(c, reject(http.StatusServiceUnavailable, "accept failed", err))
	}
	if rerr := h.deps.Replay.Record(ctx, ts, nonce, h.deps.ReplayTTL); rerr != nil {
		// The message is safe; the dedupe key still stops a second processing.
		h.log.Warn("wecom replay guard record failed", "err", rerr)
	}
	h.log.Info("wecom callback accepted", "key", key, "user", msg.UserID, "duplicate", dup)
	return c.NoContent(http.StatusOK)
}

// checkSigned verifies msg_signature and the timestamp window.
func (h *CallbackHandler) checkSigned(q map[string]string, encrypted string) *rejection {
	sig, ts, nonce := q["msg_signature"], q["timestamp"], q["nonce"]
	if sig == "" || ts == "" || nonce == "" {
		return reject(http.StatusBadRequest, "msg_signature, timestamp or nonce missing", nil)
	}
	if err := h.crypto.VerifySignature(sig, ts, nonce, encrypted); err != nil {
		return reject(http.StatusUnauthorized, "signature mismatch", err)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return reject(http.StatusBadRequest, "timestamp is not an integer", nil)
	}
	if h.cfg.MaxSkew > 0 {
		skew := h.deps.Now().Sub(time.Unix(sec, 0))
		if skew > h.cfg.MaxSkew || skew < -h.cfg.MaxSkew {
			return reject(http.StatusBadRequest, fmt.Sprintf("timestamp outside the %s window (off by %s)", h.cfg.MaxSkew, skew.Round(time.Second)), nil)
		}
	}
	return nil
}

func (h *CallbackHandler) readBody(req *http.Request) ([]byte, *rejection) {
	max := h.deps.MaxBodyBytes
	if req.ContentLength > max {
		return nil, reject(http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", max), nil)
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, max+1))
	if err != nil {
		return nil, reject(http.StatusBadRequest, "cannot read body", err)
	}
	if int64(len(body)) > max {
		return nil, reject(http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", max), nil)
	}
	return body, nil
}

func decryptRejection(err error) *rejection {
	if errors.Is(err, ErrReceiveID) {
		return reject(http.StatusForbidden, "receive id is not our corp id", err)
	}
	return reject(http.StatusBadRequest, "cannot decrypt", err)
}

// refuse logs one line saying why and answers the status with an empty body.
func (h *CallbackHandler) refuse(c echo.Context, r *rejection) error {
	// The peer address, not RealIP: a forged callback could name any IP in
	// X-Forwarded-For, so that header is logged as the claim it is.
	req := c.Request()
	attrs := []any{"status", r.status, "reason", r.reason, "method", req.Method, "remote", req.RemoteAddr}
	if xff := req.Header.Get(echo.HeaderXForwardedFor); xff != "" {
		attrs = append(attrs, "x_forwarded_for", truncateRunes(xff, 100))
	}
	if r.err != nil {
		attrs = append(attrs, "err", r.err.Error())
	}
	if r.status >= 500 {
		h.log.Error("wecom callback not accepted", attrs...)
	} else {
		h.log.Warn("wecom callback rejected", attrs...)
	}
	return c.NoContent(r.status)
}

func (h *CallbackHandler) recoverPanic(c echo.Context, err *error) {
	if p := recover(); p != nil {
		h.log.Error("wecom callback panic", "panic", fmt.Sprint(p), "method", c.Request().Method)
		*err = c.NoContent(http.StatusInternalServerError)
	}
}

// parseRawQuery decodes the query with PathUnescape, so a literal '+' in echostr
// stays '+' (url.ParseQuery would turn it into a space). The first value of a key wins.
func parseRawQuery(raw string) (map[string]string, error) {
	out := map[string]string{}
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		key, err := url.PathUnescape(k)
		if err != nil {
			return nil, err
		}
		val, err := url.PathUnescape(v)
		if err != nil {
			return nil, err
		}
		if _, dup := out[key]; !dup {
			out[key] = val
		}
	}
	return out, nil
}
