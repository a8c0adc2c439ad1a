// Package wecomtest lets deliverybot run and be tested without WeCom: a fake WeCom
// API server (gettoken, message/send, update_template_card, media, user/get) that
// records what it receives and injects failures, and a callback client that signs,
// encrypts and retries exactly as WeCom does.
package wecomtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"deliverybot/bot/wecom"
)

// Payload is a decrypted callback as WeCom builds it. Zero fields are left out.
type Payload struct {
	ToUser     string // corp ID
	FromUser   string
	CreateTime int64
	MsgType    string
	MsgID      string
	AgentID    int64

	Content      string
	PicURL       string
	MediaID      string
	Event        string
	EventKey     string
	TaskID       string
	CardType     string
	ResponseCode string
	ChangeType   string
}

// XML renders the payload with CDATA sections like WeCom does.
func (p Payload) XML() []byte {
	var b bytes.Buffer
	b.WriteString("<xml>")
	str := func(tag, v string) {
		if v != "" {
			fmt.Fprintf(&b, "<%s>%s</%s>", tag, cdata(v), tag)
		}
	}
	num := func(tag string, v int64) {
		if v != 0 {
			fmt.Fprintf(&b, "<%s>%d</%s>", tag, v, tag)
		}
	}
	str("ToUserName", p.ToUser)
	str("FromUserName", p.FromUser)
	num("CreateTime", p.CreateTime)
	str("MsgType", p.MsgType)
	str("Content", p.Content)
	str("PicUrl", p.PicURL)
	str("MediaId", p.MediaID)
	str("Event", p.Event)
	str("EventKey", p.EventKey)
	str("TaskId", p.TaskID)
	str("CardType", p.CardType)
	str("ResponseCode", p.ResponseCode)
	str("ChangeType", p.ChangeType)
	if p.MsgID != "" {
		fmt.Fprintf(&b, "<MsgId>%s</MsgId>", p.MsgID)
	}
	num("AgentID", p.AgentID)
	b.WriteString("</xml>")
	return b.Bytes()
}

func cdata(s string) string {
	return "<![CDATA[" + strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>") + "]]>"
}

// Signed is one encrypted, signed callback request, re-sendable byte for byte.
type Signed struct {
	Timestamp, Nonce, Signature string
	Encrypt                     string
	Body                        []byte
}

// RawQuery is the callback query string.
func (s Signed) RawQuery() string {
	return "msg_signature=" + s.Signature + "&timestamp=" + s.Timestamp + "&nonce=" + s.Nonce
}

// CallbackClient posts callbacks to a deliverybot endpoint as WeCom would.
type CallbackClient struct {
	URL     string // e.g. http://127.0.0.1:8080/wecom/callback
	CorpID  string
	AgentID int64
	HTTP    *http.Client
	// Now stamps CreateTime and the timestamp parameter.
	Now func() time.Time
	// Retries is how many times a failed delivery is re-sent (WeCom: 3).
	Retries int
	// RetryDelay is the pause before each re-send.
	RetryDelay time.Duration

	crypto *wecom.Crypto
	seq    atomic.Int64
}

// NewCallbackClient signs and encrypts with cfg's token, AES key and corp ID.
func NewCallbackClient(callbackURL string, cfg wecom.Config) (*CallbackClient, error) {
	cr, err := cfg.Crypto()
	if err != nil {
		return nil, err
	}
	c := &CallbackClient{
		URL: callbackURL, CorpID: cfg.CorpID, AgentID: cfg.AgentID,
		HTTP:    &http.Client{Timeout: 5 * time.Second}, // WeCom gives up after 5 s
		Now:     time.Now,
		Retries: 3,
		crypto:  cr,
	}
	c.seq.Store(time.Now().UnixNano() / 1000)
	return c, nil
}

// Crypto is the client's WXBizMsgCrypt (e.g. to build vectors).
func (c *CallbackClient) Crypto() *wecom.Crypto { return c.crypto }

func (c *CallbackClient) base(user, msgType string) Payload {
	return Payload{ToUser: c.CorpID, FromUser: user, CreateTime: c.Now().Unix(), MsgType: msgType, AgentID: c.AgentID}
}

func (c *CallbackClient) nextMsgID() string { return strconv.FormatInt(c.seq.Add(1), 10) }

// Text is a text message from user.
func (c *CallbackClient) Text(user, content string) Payload {
	p := c.base(user, "text")
	p.Content, p.MsgID = content, c.nextMsgID()
	return p
}

// Image is an image message from user.
func (c *CallbackClient) Image(user, mediaID, picURL string) Payload {
	p := c.base(user, "image")
	p.MediaID, p.PicURL, p.MsgID = mediaID, picURL, c.nextMsgID()
	return p
}

// Event is an event such as enter_agent, click or view.
func (c *CallbackClient) Event(user, event, key string) Payload {
	p := c.base(user, "event")
	p.Event, p.EventKey = event, key
	return p
}

// CardClick is a template_card_event for a button_interaction card.
func (c *CallbackClient) CardClick(user, taskID, key, responseCode string) Payload {
	p := c.base(user, "event")
	p.Event, p.EventKey, p.TaskID, p.CardType, p.ResponseCode = "template_card_event", key, taskID, wecom.CardButtonInteraction, responseCode
	return p
}

// Seal encrypts and signs plaintext XML with a fresh timestamp and nonce.
func (c *CallbackClient) Seal(plain []byte) (Signed, error) {
	enc, err := c.crypto.Encrypt(plain)
	if err != nil {
		return Signed{}, err
	}
	ts := strconv.FormatInt(c.Now().Unix(), 10)
	n, _ := rand.Int(rand.Reader, big.NewInt(1e10))
	nonce := n.String()
	return Signed{
		Timestamp: ts, Nonce: nonce, Signature: c.crypto.Sign(ts, nonce, enc), Encrypt: enc,
		Body: fmt.Appendf(nil, "<xml><ToUserName>%s</ToUserName><AgentID>%s</AgentID><Encrypt>%s</Encrypt></xml>",
			cdata(c.CorpID), cdata(strconv.FormatInt(c.AgentID, 10)), cdata(enc)),
	}, nil
}

// Post sends one signed request and returns the HTTP status.
func (c *CallbackClient) Post(ctx context.Context, s Signed) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL+"?"+s.RawQuery(), bytes.NewReader(s.Body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "text/xml")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// Deliver behaves like WeCom: post, and while the answer is not 200 (or the request
// fails or times out), re-send the very same request up to Retries more times.
// It returns the status of every attempt (0 for a transport failure).
func (c *CallbackClient) Deliver(ctx context.Context, p Payload) ([]int, error) {
	s, err := c.Seal(p.XML())
	if err != nil {
		return nil, err
	}
	var statuses []int
	var lastErr error
	for attempt := 0; attempt <= c.Retries; attempt++ {
		if attempt > 0 && c.RetryDelay > 0 {
			select {
			case <-ctx.Done():
				return statuses, ctx.Err()
			case <-time.After(c.RetryDelay):
			}
		}
		st, err := c.Post(ctx, s)
		statuses = append(statuses, st)
		lastErr = err
		if err == nil && st == http.StatusOK {
			return statuses, nil
		}
	}
	if lastErr == nil {
		lastErr = fmt.Errorf("callback not accepted: statuses %v", statuses)
	}
	return statuses, lastErr
}

// DeliverTimes sends the same signed request n times regardless of the answers, as
// WeCom does when our acknowledgements are slow.
func (c *CallbackClient) DeliverTimes(ctx context.Context, p Payload, n int) ([]int, error) {
	s, err := c.Seal(p.XML())
	if err != nil {
		return nil, err
	}
	statuses := make([]int, 0, n)
	for range n {
		st, err := c.Post(ctx, s)
		if err != nil {
			return statuses, err
		}
		statuses = append(statuses, st)
	}
	return statuses, nil
}

// Send posts a text message from user with WeCom's retry behaviour.
func (c *CallbackClient) Send(ctx context.Context, user, text string) error {
	_, err := c.Deliver(ctx, c.Text(user, text))
	return err
}

// VerifyURL performs WeCom's GET URL verification with echostr and returns the body.
func (c *CallbackClient) VerifyURL(ctx context.Context, echostr string) (string, int, error) {
	enc, err := c.crypto.Encrypt([]byte(echostr))
	if err != nil {
		return "", 0, err
	}
	ts := strconv.FormatInt(c.Now().Unix(), 10)
	nonce := "1372623149"
	q := url.Values{"msg_signature": {c.crypto.Sign(ts, nonce, enc)}, "timestamp": {ts}, "nonce": {nonce}, "echostr": {enc}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL+"?"+q.Encode(), nil)
	if err != nil {
		return "", 0, err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return string(body), resp.StatusCode, err
}
