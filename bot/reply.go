package bot

import (
	"fmt"
	"strings"
)

// Button is one choice on a card. Pressing it sends Value back as if the user had typed it,
// so every button also works as a typed reply on channels without cards.
type Button struct {
	Label string `json:"label"`
	Value string `json:"value"`
	// Style is a hint for channels that colour buttons (1 primary, 2 secondary…).
	Style int `json:"style,omitempty"`
}

// Field is a key/value line on a card.
type Field struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Card is a rich reply: a title, a body, fields and buttons.
type Card struct {
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Fields      []Field  `json:"fields,omitempty"`
	Buttons     []Button `json:"buttons,omitempty"`
	URL         string   `json:"url,omitempty"`
	// TaskID identifies the card so a later click can update it.
	TaskID string `json:"task_id,omitempty"`
}

// Reply is one outbound message. Exactly one of Text, Markdown or Card is normally set;
// when several are set the richest the channel can show wins.
type Reply struct {
	// To is the recipient when it is not the user who spoke (notifications).
	To       string `json:"to,omitempty"`
	Text     string `json:"text,omitempty"`
	Markdown string `json:"markdown,omitempty"`
	Card     *Card  `json:"card,omitempty"`
}

// Text builds a plain-text reply.
func Text(format string, args ...any) Reply {
	if len(args) == 0 {
		return Reply{Text: format}
	}
	return Reply{Text: fmt.Sprintf(format, args...)}
}

// Markdown builds a markdown reply; Text is derived for channels without markdown.
func Markdown(md string) Reply { return Reply{Markdown: md} }

// CardReply builds a card reply.
func CardReply(c Card) Reply { return Reply{Card: &c} }

// IsEmpty reports whether the reply carries nothing to show.
func (r Reply) IsEmpty() bool {
	return strings.TrimSpace(r.Text) == "" && strings.TrimSpace(r.Markdown) == "" && r.Card == nil
}

// PlainText renders the reply for a channel that shows only text: markdown is
// stripped to readable text and card buttons become numbered choices the user can
// answer with "1", "2"…
func (r Reply) PlainText() string {
	switch {
	case r.Card != nil:
		return r.Card.PlainText()
	case r.Markdown != "":
		return MarkdownToText(r.Markdown)
	default:
		return r.Text
	}
}

// PlainText renders a card as text with numbered choices.
func (c *Card) PlainText() string {
	var b strings.Builder
	if c.Title != "" {
		b.WriteString("【" + c.Title + "】\n")
	}
	if c.Description != "" {
		b.WriteString(c.Description + "\n")
	}
	for _, f := range c.Fields {
		fmt.Fprintf(&b, "%s：%s\n", f.Key, f.Value)
	}
	if c.URL != "" {
		b.WriteString("详情：" + c.URL + "\n")
	}
	if len(c.Buttons) > 0 {
		b.WriteString("请回复序号或文字：\n")
		for i, btn := range c.Buttons {
			fmt.Fprintf(&b, "%d. %s\n", i+1, btn.Label)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// Choices returns the values a numbered answer maps to, in order.
func (r Reply) Choices() []string {
	if r.Card == nil {
		return nil
	}
	out := make([]string, len(r.Card.Buttons))
	for i, b := range r.Card.Buttons {
		out[i] = b.Value
	}
	return out
}

// MarkdownToText strips the WeCom markdown subset (headings, bold, links, font tags,
// quotes) so the text reads naturally where markdown is not rendered.
func MarkdownToText(md string) string {
	lines := strings.Split(md, "\n")
	for i, l := range lines {
		t := strings.TrimLeft(l, "#")
		if len(t) != len(l) {
			t = strings.TrimSpace(t)
		}
		t = strings.TrimPrefix(t, "> ")
		t = strings.ReplaceAll(t, "**", "")
		t = stripFontTags(t)
		t = rewriteLinks(t)
		lines[i] = t
	}
	return strings.Join(lines, "\n")
}

func stripFontTags(s string) string {
	for {
		start := strings.Index(s, "<font")
		if start < 0 {
			break
		}
		end := strings.Index(s[start:], ">")
		if end < 0 {
			break
		}
		s = s[:start] + s[start+end+1:]
	}
	return strings.ReplaceAll(s, "</font>", "")
}

// rewriteLinks turns [text](url) into "text（url）".
func rewriteLinks(s string) string {
	for {
		open := strings.Index(s, "[")
		if open < 0 {
			return s
		}
		mid := strings.Index(s[open:], "](")
		if mid < 0 {
			return s
		}
		closeIdx := strings.Index(s[open+mid:], ")")
		if closeIdx < 0 {
			return s
		}
		text := s[open+1 : open+mid]
		url := s[open+mid+2 : open+mid+closeIdx]
		s = s[:open] + text + "（" + url + "）" + s[open+mid+closeIdx+1:]
	}
}
