package wecom

import (
	"errors"
	"net"
	"regexp"
)

var secretParam = regexp.MustCompile(`(?i)(access_token|corpsecret|key)=[^&\s"']*`)

// Scrub hides access_token, corpsecret and webhook key query values in s.
func Scrub(s string) string { return secretParam.ReplaceAllString(s, "$1=***") }

// scrubbedError carries a transport error with secrets removed from its text while
// keeping Timeout() for the retry decision.
type scrubbedError struct {
	msg     string
	timeout bool
	// beforeSend: the connection was never made (dial/proxy failure), so nothing
	// reached WeCom.
	beforeSend bool
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Timeout() bool { return e.timeout }

// scrubError returns err with any access_token removed from its message. The
// original is dropped on purpose: url.Error would print the URL again.
func scrubError(err error) error {
	if err == nil {
		return nil
	}
	var ne net.Error
	timeout := errors.As(err, &ne) && ne.Timeout()
	var oe *net.OpError
	before := errors.As(err, &oe) && (oe.Op == "dial" || oe.Op == "proxyconnect")
	return &scrubbedError{msg: Scrub(err.Error()), timeout: timeout, beforeSend: before}
}
