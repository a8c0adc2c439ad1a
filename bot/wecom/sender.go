package wecom

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"deliverybot/bot"
	"deliverybot/bot/queue"
)

// Outgoing is one WeCom message ready to send, in order. Index is its position in
// the batch Compose produced, so an outbox can key each part (msgID + index).
type Outgoing struct {
	Index   int
	ToUser  string
	Request MessageRequest
}

// Sender turns bot replies into WeCom messages and delivers them paced per user.
// It implements bot.Notifier.
type Sender struct {
	client  *Client
	limiter Limiter
	log     *slog.Logger
}

// NewSender sends through client, pacing with limiter (a MemoryLimiter with
// WeCom's per-user limits when nil).
func NewSender(client *Client, limiter Limiter) *Sender {
	if limiter == nil {
		limiter = NewMemoryLimiter()
	}
	return &Sender{client: client, limiter: limiter, log: client.log}
}

// Send delivers the replies a handler produced for the user who spoke (replies with
// To go to that user instead), merged into as few messages as fit.
func (s *Sender) Send(ctx context.Context, userID string, replies []bot.Reply) error {
	for _, o := range Compose(userID, replies) {
		if _, err := s.SendOutgoing(ctx, o); err != nil {
			return err
		}
	}
	return nil
}

// Notify delivers one reply to userID (bot.Notifier).
func (s *Sender) Notify(ctx context.Context, userID string, r bot.Reply) error {
	return s.Send(ctx, userID, []bot.Reply{r})
}

// SendOutgoing waits for the recipient's rate budget and sends one message.
func (s *Sender) SendOutgoing(ctx context.Context, o Outgoing) (*SendResult, error) {
	if err := s.limiter.Wait(ctx, o.ToUser); err != nil {
		return nil, &limitWaitError{err: err}
	}
	req := o.Request
	res, err := s.client.SendMessage(ctx, &req)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// limitWaitError: the pacing wait failed, so nothing was sent.
type limitWaitError struct{ err error }

func (e *limitWaitError) Error() string { return "wecom: waiting for send budget: " + e.err.Error() }
func (e *limitWaitError) Unwrap() error { return e.err }

var (
	_ bot.Notifier = (*Sender)(nil)
	_ Limiter      = (*MemoryLimiter)(nil)
	_ TokenCache   = (*MemoryTokenCache)(nil)
	_ ReplayGuard  = (*MemoryReplayGuard)(nil)
)

// Compose converts replies into WeCom messages without sending: markdown for
// Markdown, template_card for a Card with buttons, textcard for a Card with only a
// URL, text otherwise. Consecutive text (or markdown) replies to the same user are
// merged while they fit in 2048 bytes; longer ones are split into numbered parts.
func Compose(userID string, replies []bot.Reply) []Outgoing {
	var items []Outgoing
	add := func(to, kind, content string) {
		content = strings.TrimSpace(content)
		if content == "" {
			return
		}
		// merge into the previous message to the same recipient when it is the same kind
		for i := len(items) - 1; i >= 0; i-- {
			if items[i].ToUser != to {
				continue
			}
			if prev := contentOf(&items[i].Request); prev != nil && items[i].Request.MsgType == kind &&
				len(prev.Content)+2+len(content) <= MaxContentBytes {
				prev.Content += "\n\n" + content
				return
			}
			break
		}
		items = append(items, Outgoing{ToUser: to, Request: contentMessage(to, kind, content)})
	}
	for _, r := range replies {
		to := r.To
		if to == "" {
			to = userID
		}
		switch {
		case r.Card != nil:
			pre, msg := cardMessage(to, r.Card)
			add(to, MsgText, pre)
			if msg.MsgType == MsgText {
				add(to, MsgText, msg.Text.Content)
			} else {
				items = append(items, Outgoing{ToUser: to, Request: msg})
			}
		case strings.TrimSpace(r.Markdown) != "":
			add(to, MsgMarkdown, r.Markdown)
		default:
			add(to, MsgText, r.Text)
		}
	}
	var out []Outgoing
	for _, it := range items {
		c := contentOf(&it.Request)
		if c == nil || len(c.Content) <= MaxContentBytes {
			out = append(out, it)
			continue
		}
		for _, part := range SplitText(c.Content, MaxContentBytes) {
			out = append(out, Outgoing{ToUser: it.ToUser, Request: contentMessage(it.ToUser, it.Request.MsgType, part)})
		}
	}
	for i := range out {
		out[i].Index = i
	}
	return out
}

func contentMessage(to, kind, content string) MessageRequest {
	m := MessageRequest{ToUser: to, MsgType: kind}
	if kind == MsgMarkdown {
		m.Markdown = &Content{Content: content}
	} else {
		m.Text = &Content{Content: content}
	}
	return m
}

func contentOf(m *MessageRequest) *Content {
	switch m.MsgType {
	case MsgText:
		return m.Text
	case MsgMarkdown:
		return m.Markdown
	}
	return nil
}

// Card limits WeCom documents as display recommendations; beyond them the client
// truncates, so longer content goes into a text message before the card.
const (
	cardMaxButtons    = 6
	cardMaxFields     = 6
	cardTitleRunes    = 36
	cardSubtitleRunes = 160
	cardKeyNameRunes  = 5
	cardValueRunes    = 26
	cardButtonRunes   = 10
	cardKeyBytes      = 1024
)

// cardMessage renders a card. pre is text to send before it (content too long for
// the card); the message is a template_card, a textcard, or plain text.
func cardMessage(to string, c *bot.Card) (pre string, msg MessageRequest) {
	if len(c.Buttons) == 0 {
		if c.URL != "" && len(c.Fields) == 0 && utf8.RuneCountInString(c.Title) <= 128 && len(c.Description) <= 512 {
			return "", MessageRequest{ToUser: to, MsgType: MsgTextCard, TextCard: &TextCard{
				Title: c.Title, Description: orDefault(c.Description, c.Title), URL: c.URL, BtnTxt: "详情"}}
		}
		return "", contentMessage(to, MsgText, c.PlainText())
	}
	if !buttonsFit(c.Buttons) {
		// Numbered choices work everywhere; the router maps "1", "2" to the values.
		return "", contentMessage(to, MsgText, c.PlainText())
	}
	tc := &TemplateCard{CardType: CardButtonInteraction, TaskID: taskID(c.TaskID)}
	desc := c.Description
	if fieldsFit(c.Fields) {
		for _, f := range c.Fields {
			tc.HorizontalContentList = append(tc.HorizontalContentList, HorizontalContent{KeyName: f.Key, Value: f.Value})
		}
	} else {
		for _, f := range c.Fields {
			desc += "\n" + f.Key + "：" + f.Value
		}
		desc = strings.TrimPrefix(desc, "\n")
	}
	title := c.Title
	if utf8.RuneCountInString(title) > cardTitleRunes || utf8.RuneCountInString(desc) > cardSubtitleRunes {
		pre = strings.TrimSpace("【" + title + "】\n" + desc)
		title, desc = truncateRunes(title, cardTitleRunes), "请在上方查看详情后选择"
	}
	tc.MainTitle = &CardTitle{Title: orDefault(title, "请选择")}
	tc.SubTitleText = desc
	if c.URL != "" {
		tc.CardAction = &CardAction{Type: 1, URL: c.URL}
	}
	for _, b := range c.Buttons {
		style := b.Style
		if style < 1 || style > 4 {
			style = 1
		}
		tc.ButtonList = append(tc.ButtonList, CardButton{Text: b.Label, Style: style, Key: orDefault(b.Value, b.Label)})
	}
	return pre, MessageRequest{ToUser: to, MsgType: MsgTemplateCard, TemplateCard: tc}
}

func buttonsFit(bs []bot.Button) bool {
	if len(bs) > cardMaxButtons {
		return false
	}
	seen := map[string]bool{}
	for _, b := range bs {
		key := orDefault(b.Value, b.Label)
		if utf8.RuneCountInString(b.Label) > cardButtonRunes || len(key) > cardKeyBytes || key == "" || seen[key] {
			return false
		}
		seen[key] = true
	}
	return true
}

func fieldsFit(fs []bot.Field) bool {
	if len(fs) > cardMaxFields {
		return false
	}
	for _, f := range fs {
		if utf8.RuneCountInString(f.Key) > cardKeyNameRunes || utf8.RuneCountInString(f.Value) > cardValueRunes {
			return false
		}
	}
	return true
}

// taskID makes the unique task_id WeCom requires for every card sent (a reused one
// is refused, which would lose the card): the caller's Card.TaskID, when valid
// ([0-9a-zA-Z_-@]), plus "@" and 8 random hex digits. Callback parsing strips the
// suffix again, so handlers see their own TaskID in Event.TaskID.
func taskID(id string) string {
	valid := id != ""
	for i := 0; valid && i < len(id); i++ {
		c := id[i]
		valid = isAlnum(string(c)) || c == '_' || c == '-' || c == '@'
	}
	if !valid {
		id = fmt.Sprintf("db%d", time.Now().Unix())
	}
	if len(id) > 128-taskSuffixLen {
		id = id[:128-taskSuffixLen]
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return id + "@" + hex.EncodeToString(b[:])
}

const taskSuffixLen = 9 // "@" + 8 hex digits

// baseTaskID removes the suffix taskID added.
func baseTaskID(id string) string {
	if len(id) <= taskSuffixLen || id[len(id)-taskSuffixLen] != '@' {
		return id
	}
	if _, err := hex.DecodeString(id[len(id)-8:]); err != nil {
		return id
	}
	return id[:len(id)-taskSuffixLen]
}

// clickedLabel replaces the buttons of a card once one was clicked.
const clickedLabel = "已收到"

// GreyOutClickedCard turns the buttons of the card msg clicked into one
// inactive "已收到", so the card cannot be answered twice. It does nothing for
// other messages; a failure only leaves the buttons active.
func (s *Sender) GreyOutClickedCard(ctx context.Context, msg bot.Message) error {
	if msg.Event == nil || msg.Event.Kind != bot.EventCardButton || msg.Event.ResponseCode == "" {
		return nil
	}
	return s.client.ReplaceCardButtons(ctx, msg.UserID, msg.Event.ResponseCode, clickedLabel)
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// DeliverOnce sends the replies to msg through ob, so processing msg again after
// a crash never sends a part twice. It returns only errors worth retrying the
// message for; a part whose outcome is unknown is logged and not resent.
func (s *Sender) DeliverOnce(ctx context.Context, ob *queue.Outbox, msg bot.Message, replies []bot.Reply) error {
	for _, o := range Compose(msg.UserID, replies) {
		// Wait for the send budget before the outbox marks the part as being
		// sent: a crash during a long wait must leave it unsent, not "maybe sent".
		marked, err := ob.Marked(ctx, msg.ID, o.Index)
		if err != nil {
			return err
		}
		if !marked {
			if err := s.limiter.Wait(ctx, o.ToUser); err != nil {
				return &limitWaitError{err: err}
			}
		}
		err = ob.SendOnce(ctx, msg.ID, o.Index, func(ctx context.Context) error {
			req := o.Request
			_, err := s.client.SendMessage(ctx, &req)
			if NotDelivered(err) {
				return queue.NotSent(err) // certainly not delivered: safe to try again
			}
			return err
		})
		switch {
		case errors.Is(err, queue.ErrMaybeSent):
			s.log.Error("reply may not have been delivered", "msg", msg.ID, "part", o.Index, "err", err)
		case err != nil:
			return err
		}
	}
	return nil
}
