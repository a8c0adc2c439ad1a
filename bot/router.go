package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// ErrNotHandled lets a handler decline a request so the router tries the next stage.
var ErrNotHandled = errors.New("bot: not handled")

// SorryText is what a user sees when something broke on our side.
const SorryText = "抱歉，系统出了点问题，请稍后再试"

// DefaultFormTTL is how long an idle form stays open.
const DefaultFormTTL = 30 * time.Minute

// RouterOptions configures a Router.
type RouterOptions struct {
	Sessions SessionStore // required
	Deps     *Deps
	Logger   *slog.Logger
	Clock    Clock
	// FormTTL is how long an idle form lives (default 30 min).
	FormTTL time.Duration
	// NewID makes request IDs (default: random hex).
	NewID func() string
}

type command struct {
	names []string
	help  string
	h     Handler
	order int // registration order, for the help menu
	// query commands only read (进度, 我的工单…), so they may run mid-form and
	// the form then continues.
	query bool
	// midForm, when set, lets a command that changes state run mid-form too
	// when its arguments say it is about something else (a ticket button's
	// "解决了 BX-…" while another 报修 is being filled).
	midForm func(args string) bool
	// audience, when set, keeps the command out of the help menu of users
	// it does not serve (see Router.Audience).
	audience AudienceFunc
}

// AudienceFunc reports whether the speaker of req can use a command at all,
// so the help menu does not offer what would only be refused. It reads the
// request (Identity, UserID) and must not change it.
type AudienceFunc func(ctx context.Context, req *Request) bool

type intent struct {
	name     string
	patterns []*regexp.Regexp
	h        Handler
}

// Router resolves each message, in order: the user's active dialog, explicit
// commands, intent rules, the FAQ, the LLM fallback, and finally the help menu.
type Router struct {
	opts     RouterOptions
	commands []command
	intents  []intent
	forms    map[string]*Form
	faq      Handler
	llm      Handler
	media    Handler
	mws      []Middleware
	chain    Handler
	once     sync.Once // builds chain on first use; concurrent first messages are safe
}

// NewRouter builds a router; register handlers before the first Handle call.
func NewRouter(opts RouterOptions) *Router {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Clock == nil {
		opts.Clock = SystemClock{}
	}
	if opts.FormTTL == 0 {
		opts.FormTTL = DefaultFormTTL
	}
	if opts.NewID == nil {
		opts.NewID = randomID
	}
	if opts.Deps == nil {
		opts.Deps = &Deps{}
	}
	if opts.Deps.Clock == nil {
		opts.Deps.Clock = opts.Clock
	}
	r := &Router{opts: opts, forms: map[string]*Form{}}
	r.Query([]string{"帮助", "help", "菜单", "?", "？"}, "看看我能做什么", HandlerFunc(r.helpMenu))
	r.Command([]string{"取消", "算了"}, "", HandlerFunc(cancelNothing))
	return r
}

// Deps returns the shared services handed to handlers.
func (r *Router) Deps() *Deps { return r.opts.Deps }

// Command registers an explicit command: the text equals one of names, or starts
// with one followed by a space or colon (the rest is Request.Args). An empty help
// keeps it out of the help menu.
func (r *Router) Command(names []string, help string, h Handler) {
	r.addCommand(command{names: names, help: help, h: h})
}

// Query registers a command that only reads and starts no dialog. It also works
// in the middle of a form: it is answered and the form's question is repeated.
func (r *Router) Query(names []string, help string, h Handler) {
	r.addCommand(command{names: names, help: help, h: h, query: true})
}

// CommandMidForm registers a command like Command that also runs in the
// middle of a form when midForm(args) holds; the form's question is then
// repeated. Without it, the form would take the text as an answer.
func (r *Router) CommandMidForm(names []string, help string, h Handler, midForm func(args string) bool) {
	r.addCommand(command{names: names, help: help, h: h, midForm: midForm})
}

func (r *Router) addCommand(c command) {
	c.order = len(r.commands)
	r.commands = append(r.commands, c)
	// Longest names first so "我的工单" wins over a shorter prefix.
	sort.SliceStable(r.commands, func(i, j int) bool {
		return longest(r.commands[i].names) > longest(r.commands[j].names)
	})
}

// Audience limits the help menu's line and button for the command named name
// to the users for whom fn holds; commands without one are shown to everybody.
// It only hides: the handler still decides who may run the command.
func (r *Router) Audience(name string, fn AudienceFunc) error {
	for i, c := range r.commands {
		if slices.Contains(c.names, name) {
			r.commands[i].audience = fn
			return nil
		}
	}
	return fmt.Errorf("audience: no command named %q", name)
}

func (in intent) matches(text string) bool {
	for _, re := range in.patterns {
		if re.MatchString(text) {
			return true
		}
	}
	return false
}

// Intent registers patterns (regular expressions) that route free text to h.
// h may return ErrNotHandled to let later intents and stages have the text.
func (r *Router) Intent(name string, h Handler, patterns ...string) error {
	in := intent{name: name, h: h}
	for _, p := range patterns {
		re, err := regexp.Compile(p)
		if err != nil {
			return fmt.Errorf("intent %s: pattern %q: %w", name, p, err)
		}
		in.patterns = append(in.patterns, re)
	}
	r.intents = append(r.intents, in)
	return nil
}

// Rule routes free text matching patterns to a registered command (from config).
func (r *Router) Rule(commandName string, patterns ...string) error {
	for _, c := range r.commands {
		for _, n := range c.names {
			if n == commandName {
				return r.Intent("rule:"+commandName, c.h, patterns...)
			}
		}
	}
	return fmt.Errorf("intent rule: no command named %q", commandName)
}

// Form registers a form so sessions with it active continue there.
func (r *Router) Form(f *Form) { r.forms[f.Name] = f }

// FAQ sets the knowledge-base stage; it returns ErrNotHandled when it has no answer.
func (r *Router) FAQ(h Handler) { r.faq = h }

// LLM sets the optional language-model fallback.
func (r *Router) LLM(h Handler) { r.llm = h }

// Media sets the handler for photos/files sent outside a dialog.
func (r *Router) Media(h Handler) { r.media = h }

// Use adds middleware; the first added runs outermost.
func (r *Router) Use(mw ...Middleware) { r.mws = append(r.mws, mw...) }

func (r *Router) build() Handler {
	var h Handler = HandlerFunc(r.dispatch)
	for i := len(r.mws) - 1; i >= 0; i-- {
		h = r.mws[i](h)
	}
	return h
}

// maxSaveAttempts bounds retries when another replica changed the session meanwhile.
const maxSaveAttempts = 3

// Handle processes one message and returns the replies to send.
func (r *Router) Handle(ctx context.Context, msg Message) ([]Reply, error) {
	r.once.Do(func() { r.chain = r.build() })
	now := r.opts.Clock.Now()
	id := r.opts.NewID()
	log := r.opts.Logger.With("req", id, "user", msg.UserID, "channel", string(msg.Channel))
	for attempt := 1; ; attempt++ {
		sess, err := r.opts.Sessions.Load(ctx, msg.UserID)
		if err != nil {
			return nil, fmt.Errorf("load session: %w", err)
		}
		if msg.ID != "" && sess.LastMsgID == msg.ID {
			log.Info("message already processed; replaying its replies", "msg", msg.ID)
			return sess.LastReplies, nil
		}
		req := &Request{Msg: msg, ID: id, Session: sess, Now: now, Log: log, Deps: r.opts.Deps}
		replies, err := r.chain.Handle(ctx, req)
		if err != nil {
			log.Error("handler failed", "err", err)
			return []Reply{Text(SorryText)}, nil
		}
		if req.failed {
			return replies, nil // state may be half-changed: keep the stored one
		}
		sess.Choices, sess.ChoiceLabels = choicesOf(replies)
		sess.UpdatedAt = now
		sess.LastMsgID, sess.LastReplies = msg.ID, replies
		err = r.opts.Sessions.Save(ctx, sess)
		if errors.Is(err, ErrConflict) && attempt < maxSaveAttempts {
			log.Warn("session changed concurrently; reprocessing", "attempt", attempt)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("save session: %w", err)
		}
		r.offerChoicesTo(ctx, replies, now, log)
		return replies, nil
	}
}

// offerChoicesTo lets the people a card is sent to (an engineer told of a new
// ticket, a reporter asked 问题解决了吗) answer it by number: the card becomes
// the last list on their screen. Failing to record that only costs the numbers.
func (r *Router) offerChoicesTo(ctx context.Context, replies []Reply, now time.Time, log *slog.Logger) {
	last := map[string]Reply{}
	var order []string
	for _, rep := range replies {
		if rep.To == "" {
			continue
		}
		if _, seen := last[rep.To]; !seen {
			order = append(order, rep.To)
		}
		last[rep.To] = rep
	}
	for _, to := range order {
		values, labels := choicesOf([]Reply{{Card: last[to].Card}})
		if len(values) == 0 {
			continue
		}
		for attempt := 1; attempt <= maxSaveAttempts; attempt++ {
			sess, err := r.opts.Sessions.Load(ctx, to)
			if err == nil {
				sess.Choices, sess.ChoiceLabels, sess.UpdatedAt = values, labels, now
				if err = r.opts.Sessions.Save(ctx, sess); err == nil {
					break
				}
			}
			if !errors.Is(err, ErrConflict) || attempt == maxSaveAttempts {
				log.Warn("could not record a notification's choices", "to", to, "err", err)
				break
			}
		}
	}
}

// choicesOf keeps the buttons of the last reply the user sees, so "1", "2"…
// answer what is on screen and never an older card above it.
func choicesOf(replies []Reply) (values, labels []string) {
	for i := len(replies) - 1; i >= 0; i-- {
		if r := replies[i]; r.To == "" {
			if r.Card == nil {
				return nil, nil
			}
			for _, b := range r.Card.Buttons {
				values, labels = append(values, b.Value), append(labels, b.Label)
			}
			return values, labels
		}
	}
	return nil, nil
}

// labelledChoice maps typed text to the value of the button whose label it
// is, or is the only one to contain ("5分" for "5 分 非常满意"), for buttons
// whose value differs from their label; other buttons send their own text.
func labelledChoice(text string, values, labels []string) (string, bool) {
	squash := func(s string) string { return strings.ToLower(strings.ReplaceAll(trimDecoration(s), " ", "")) }
	t := squash(text)
	if t == "" || len(values) != len(labels) {
		return "", false
	}
	found := -1
	for i, l := range labels {
		if values[i] == l {
			continue
		}
		switch lab := squash(l); {
		case lab == t:
			return values[i], true
		case utf8.RuneCountInString(t) >= 2 && strings.Contains(lab, t):
			if found >= 0 {
				return "", false // more than one: let the text speak for itself
			}
			found = i
		}
	}
	if found < 0 {
		return "", false
	}
	return values[found], true
}

func (r *Router) dispatch(ctx context.Context, req *Request) ([]Reply, error) {
	sess := req.Session
	if v, ok := numberedChoice(req.Text(), sess.Choices); ok {
		req.Msg.Text = v
	} else if v, ok := labelledChoice(req.Text(), sess.Choices, sess.ChoiceLabels); ok {
		req.Msg.Text = v
	}
	var lead []Reply
	if sess.Notice != "" {
		lead = append(lead, Reply{Text: sess.Notice})
		sess.Notice = ""
	}
	if st := sess.Form; st != nil {
		f, known := r.forms[st.Form]
		switch {
		case !known:
			sess.Form = nil
		case st.Expired(req.Now, r.opts.FormTTL):
			sess.Form = nil
			lead = append(lead, Text("您之前填写的「%s」已超过 %s没有操作，已自动取消。如需继续，请重新开始。",
				f.Title, humanDuration(r.opts.FormTTL)))
		default:
			out, err := r.runForm(ctx, req, f)
			return append(lead, out...), err
		}
	}
	out, err := r.route(ctx, req)
	return append(lead, out...), err
}

func (r *Router) route(ctx context.Context, req *Request) ([]Reply, error) {
	text := req.Text()
	if c, args, ok := r.matchCommand(text); ok {
		req.args = args
		return c.h.Handle(ctx, req)
	}
	if text == "" && len(req.Msg.Media) > 0 && r.media != nil {
		return r.media.Handle(ctx, req)
	}
	if ev := req.Msg.Event; ev != nil && text == "" {
		switch ev.Kind {
		case EventEnterApp:
			return r.helpMenu(ctx, req)
		case EventMenuView:
			return nil, nil // the user opened a link from the menu: nothing to answer
		}
	}
	for _, in := range r.intents {
		if !in.matches(text) {
			continue
		}
		req.args = text
		// An intent that only applies in some context declines with ErrNotHandled.
		if out, err := in.h.Handle(ctx, req); !errors.Is(err, ErrNotHandled) {
			return out, err
		}
	}
	if out, ok := r.smallTalkReply(ctx, req, text); ok {
		return out, nil
	}
	if digits := toHalfWidthDigits(trimDecoration(text)); isDigits(digits) && len(digits) <= maxChoiceDigits {
		if card := lastChoiceCard(req.Session); card != nil {
			// Out of range for the list just shown: ask again with the same list.
			ask := fmt.Sprintf("请回复 1–%d 之间的序号。", len(req.Session.Choices))
			if len(req.Session.Choices) == 1 {
				ask = "请回复序号 1。"
			}
			return []Reply{Text("没有第 %s 项，%s", digits, ask), CardReply(*card)}, nil
		}
		// A bare number answers a list that is no longer on screen; guessing would mislead.
		return []Reply{r.menu(ctx, req, fmt.Sprintf("序号「%s」没有对应的选项（选项可能已过期）。我能帮您做这些：", text))}, nil
	}
	// A longer number alone may be an error code (60020) the KB knows; the
	// FAQ declines other numbers (phone, order) and the menu answers.
	for _, h := range []Handler{r.faq, r.llm} {
		if h == nil || text == "" {
			continue
		}
		out, err := h.Handle(ctx, req)
		if !errors.Is(err, ErrNotHandled) {
			return out, err
		}
	}
	return r.fallbackMenu(ctx, req)
}

// trimDecoration drops what phone keyboards add around a short reply —
// "没用。", "1。", "有用👍" — so commands and choices still match.
func trimDecoration(text string) string {
	return strings.TrimFunc(text, func(c rune) bool {
		return unicode.IsSpace(c) || unicode.IsSymbol(c) || (unicode.IsPunct(c) && c != '/') || c == '\u200b' || c == '\ufe0f'
	})
}

func (r *Router) matchCommand(text string) (command, string, bool) {
	t := strings.TrimPrefix(trimDecoration(text), "/")
	lower := strings.ToLower(t)
	for _, c := range r.commands {
		for _, n := range c.names {
			ln := strings.ToLower(n)
			if lower == ln {
				return c, "", true
			}
			if strings.HasPrefix(lower, ln) {
				rest := t[len(n):]
				if trimmed := strings.TrimLeft(rest, " 　:：，,。、"); len(trimmed) < len(rest) {
					return c, strings.TrimSpace(trimmed), true
				}
			}
		}
	}
	return command{}, "", false
}

// maxChoiceDigits: longer numbers are not list positions.
const maxChoiceDigits = 3

// lastChoiceCard is the card whose buttons the session's numbered choices
// came from, if it is still the last thing the user was shown.
func lastChoiceCard(sess *Session) *Card {
	if len(sess.Choices) == 0 {
		return nil
	}
	for i := len(sess.LastReplies) - 1; i >= 0; i-- {
		if r := sess.LastReplies[i]; r.To == "" {
			// The choices may have come from a card sent to this user by someone
			// else (offerChoicesTo): only a card with exactly these values is it.
			if r.Card == nil || !slices.Equal(r.Choices(), sess.Choices) {
				return nil
			}
			return r.Card
		}
	}
	return nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// listPosition reads a typed list position: "2", "２。", "第2个", "5星".
func listPosition(text string) (int, bool) {
	n, err := strconv.Atoi(ordinal(toHalfWidthDigits(trimDecoration(text))))
	return n, err == nil
}

func numberedChoice(text string, choices []string) (string, bool) {
	n, ok := listPosition(text)
	if !ok || n < 1 || n > len(choices) {
		return "", false
	}
	return choices[n-1], true
}

func (r *Router) helpMenu(ctx context.Context, req *Request) ([]Reply, error) {
	return []Reply{r.menu(ctx, req, "我能帮您做这些：")}, nil
}

func (r *Router) fallbackMenu(ctx context.Context, req *Request) ([]Reply, error) {
	return []Reply{r.menu(ctx, req, "抱歉，我没太明白您的意思。我能帮您做这些：")}, nil
}

// menu lists the commands with help text that the speaker can use; the
// buttons are taken from the same lines so both always agree.
func (r *Router) menu(ctx context.Context, req *Request, title string) Reply {
	var lines []string
	var buttons []Button
	cmds := slices.Clone(r.commands)
	sort.SliceStable(cmds, func(i, j int) bool { return cmds[i].order < cmds[j].order })
	for _, c := range cmds {
		if c.help == "" || (c.audience != nil && !c.audience(ctx, req)) {
			continue
		}
		lines = append(lines, fmt.Sprintf("· %s —— %s", c.names[0], c.help))
		if len(buttons) < 6 && c.names[0] != "帮助" {
			buttons = append(buttons, Button{Label: c.names[0], Value: c.names[0]})
		}
	}
	lines = append(lines, "也可以直接问我使用问题，比如「vpn登不上怎么办」「腾讯会议怎么共享屏幕」。")
	return CardReply(Card{Title: title, Description: strings.Join(lines, "\n"), Buttons: buttons})
}

func cancelNothing(_ context.Context, _ *Request) ([]Reply, error) {
	return []Reply{Text("当前没有进行中的操作，不需要取消。需要帮助请回复「帮助」。")}, nil
}

func longest(names []string) int {
	m := 0
	for _, n := range names {
		m = max(m, len(n))
	}
	return m
}

func humanDuration(d time.Duration) string {
	if d >= time.Hour && d%time.Hour == 0 {
		return fmt.Sprintf("%d 小时", int(d.Hours()))
	}
	if d >= time.Minute {
		return fmt.Sprintf("%d 分钟", int(d.Minutes()))
	}
	return d.String()
}

func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ordinal reads "第2个" / "第 2 项" / "2号" as "2".
func ordinal(t string) string {
	t = strings.TrimSpace(strings.TrimPrefix(t, "第"))
	for _, suffix := range []string{"个", "项", "条", "号", "种", "颗星", "星"} {
		if s, ok := strings.CutSuffix(t, suffix); ok {
			return strings.TrimSpace(s)
		}
	}
	return t
}
