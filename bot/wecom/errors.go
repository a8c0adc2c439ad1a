package wecom

import (
	"errors"
	"fmt"
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
