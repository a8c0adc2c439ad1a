package wecomtest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"deliverybot/bot/wecom"
)

// Request is one call the fake API received, decoded.
type Request struct {
	Time   time.Time
	Method string
	Path   string     // e.g. "cgi-bin/message/send"
	Query  url.Values // access_token and corpsecret replaced by "***"
	Body   []byte     // raw body (JSON or multipart)
	Token  string     // the access_token used (fake tokens are not secret)
	Status int        // HTTP status answered
	Code   int        // errcode answered (0 = success)
	Fault  bool       // answered by an injected fault
	Send   *wecom.MessageRequest
	Update *wecom.UpdateTemplateCardRequest
	// Dropped is true when the send was over WeCom's 30/min or 1000/h per-user
	// limit: real WeCom answers ok and silently drops the message.
	Dropped bool
	// Problems lists what real WeCom would mangle (content over 2048 bytes → truncated,
	// invalid UTF-8, bad task_id …).
	Problems []string
}

// Fault is an injected failure for the next Times calls to Path ("" = any path but gettoken).
type Fault struct {
	Path       string
	Times      int
	HTTPStatus int           // answer this status (e.g. 502)
	ErrCode    int           // or answer this errcode
	Delay      time.Duration // wait first (slow response); alone, the call then succeeds
}

type media struct {
	data        []byte
	contentType string
	filename    string
}

// Server is an in-process fake of the WeCom API.
type Server struct {
	URL     string
	CorpID  string
	Secret  string
	Token   string // callback token for the matching Config
	AESKey  string
	AgentID int64

	srv  *httptest.Server
	base wecom.Config // MaxSkew, DomainVerify … carried into Config()

	mu        sync.Mutex
	now       func() time.Time
	tokens    map[string]time.Time // access_token → expiry
	revoked   map[string]int       // access_token → errcode to answer (42001/40014)
	seq       int
	faults    []*Fault
	requests  []Request
	media     map[string]media
	users     map[string]wecom.User
	codes     map[string]bool // response_code → still usable
	taskIDs   map[string]bool
	sentTimes map[string][]time.Time
	out       io.Writer
	autoMedia bool
	robot     map[string][]string // webhook key → markdown contents posted
}

// DemoConfig is a fixed, public configuration for local runs: `serve --fake-wecom`
// and `send` agree on it without any WECOM_* variables. Never use it against real WeCom.
func DemoConfig() wecom.Config {
	return wecom.Config{
		CorpID: "wwdeliverybotdemo", AgentID: 1000002, Secret: "demosecret",
		Token: "deliverybotdemo", AESKey: "DeliverybotDemoKeyForLocalTestingOnly000000",
		APIBase: wecom.DefaultAPIBase, MaxSkew: wecom.DefaultMaxSkew,
	}
}

// NewServer starts a fake WeCom API on 127.0.0.1 with fresh random credentials.
func NewServer() *Server {
	return NewServerWith(wecom.Config{
		CorpID: "ww" + randHex(8), Secret: "secret" + randHex(16), Token: "tok" + randHex(8),
		AESKey: randAESKey(), AgentID: 1000002, MaxSkew: wecom.DefaultMaxSkew,
	})
}

// NewServerWith starts a fake WeCom API that accepts cfg's corp ID, secret and agent
// ID; Config() then returns cfg pointing at the fake (e.g. DemoConfig for local runs).
func NewServerWith(cfg wecom.Config) *Server {
	s := &Server{
		base:      cfg,
		CorpID:    cfg.CorpID,
		Secret:    cfg.Secret,
		Token:     cfg.Token,
		AESKey:    cfg.AESKey,
		AgentID:   cfg.AgentID,
		now:       time.Now,
		tokens:    map[string]time.Time{},
		revoked:   map[string]int{},
		media:     map[string]media{},
		users:     map[string]wecom.User{},
		codes:     map[string]bool{},
		taskIDs:   map[string]bool{},
		sentTimes: map[string][]time.Time{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Config is a valid wecom.Config pointing at this fake (callback token/AES key included).
func (s *Server) Config() wecom.Config {
	cfg := s.base
	cfg.CorpID, cfg.AgentID, cfg.Secret, cfg.Token, cfg.AESKey = s.CorpID, s.AgentID, s.Secret, s.Token, s.AESKey
	cfg.APIBase = s.URL
	return cfg
}

// SetClock replaces the clock used for token expiry and the per-user send limit.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// SetOutput prints every delivered message to w ("serve --fake-wecom" shows what would be sent).
func (s *Server) SetOutput(w io.Writer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.out = w
}

// Inject adds a failure; faults are consumed in the order added.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times <= 0 {
		f.Times = 1
	}
	s.faults = append(s.faults, &f)
}

// ExpireTokens makes every issued access token answer 42001 from now on.
func (s *Server) ExpireTokens() { s.revokeAll(wecom.CodeTokenExpired) }

// InvalidateTokens makes every issued access token answer 40014 from now on.
func (s *Server) InvalidateTokens() { s.revokeAll(wecom.CodeInvalidToken) }

func (s *Server) revokeAll(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t := range s.tokens {
		s.revoked[t] = code
		delete(s.tokens, t)
	}
}

// AddMedia stores media for media/get and returns its media_id.
func (s *Server) AddMedia(data []byte, contentType string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := "media_" + randHex(12)
	s.media[id] = media{data: data, contentType: contentType, filename: "upload"}
	return id
}

// ServeAnyMedia makes media/get answer a placeholder PNG for unknown media IDs, so
// an image callback posted by another process (`deliverybot send`) can be fetched.
func (s *Server) ServeAnyMedia() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.autoMedia = true
}

// AddUser makes user/get know u.
func (s *Server) AddUser(u wecom.User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.UserID] = u
}

// IssueResponseCode returns a code usable once with update_template_card, like the
// one a card click callback carries.
func (s *Server) IssueResponseCode() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	code := "rc_" + randHex(10)
	s.codes[code] = true
	return code
}

// Requests returns every call received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Calls counts calls to path (e.g. "cgi-bin/gettoken").
func (s *Server) Calls(path string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Path == path {
			n++
		}
	}
	return n
}

// Messages returns the messages WeCom would have delivered (accepted and not dropped).
func (s *Server) Messages() []wecom.MessageRequest {
	var out []wecom.MessageRequest
	for _, r := range s.Requests() {
		if r.Send != nil && r.Code == 0 && r.Status == http.StatusOK && !r.Dropped {
			out = append(out, *r.Send)
		}
	}
	return out
}

// MessagesTo returns the delivered messages for one user.
func (s *Server) MessagesTo(user string) []wecom.MessageRequest {
	var out []wecom.MessageRequest
	for _, m := range s.Messages() {
		if m.ToUser == user {
			out = append(out, m)
		}
	}
	return out
}

// Problems returns every problem recorded on any request.
func (s *Server) Problems() []string {
	var out []string
	for _, r := range s.Requests() {
		out = append(out, r.Problems...)
	}
	return out
}

// MessageText is the visible text of a message (text/markdown content, card title
// and buttons), handy in assertions and in the --fake-wecom printout.
func MessageText(m wecom.MessageRequest) string {
	switch {
	case m.Text != nil:
		return m.Text.Content
	case m.Markdown != nil:
		return m.Markdown.Content
	case m.TextCard != nil:
		return m.TextCard.Title + "\n" + m.TextCard.Description + "\n" + m.TextCard.URL
	case m.TemplateCard != nil:
		tc := m.TemplateCard
		var b strings.Builder
		if tc.MainTitle != nil {
			b.WriteString(tc.MainTitle.Title)
		}
		if tc.SubTitleText != "" {
			b.WriteString("\n" + tc.SubTitleText)
		}
		for _, h := range tc.HorizontalContentList {
			b.WriteString("\n" + h.KeyName + "：" + h.Value)
		}
		for _, btn := range tc.ButtonList {
			fmt.Fprintf(&b, "\n[%s → %s]", btn.Text, btn.Key)
		}
		return b.String()
	}
	return ""
}
