package faq

import (
	"fmt"
	"path/filepath"
	"strings"

	"deliverybot/bot"
	"deliverybot/knowledge"
)

// answerReply renders an entry as WeCom markdown, naming its 相关 entries;
// bot.Reply.PlainText gives the text fallback for channels without markdown.
func (h *Handler) answerReply(e *knowledge.Entry, related []*knowledge.Entry) bot.Reply {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s**\n", e.Question)
	b.WriteString(wecomMarkdown(e.Answer))
	if len(related) > 0 {
		qs := make([]string, len(related))
		for i, r := range related {
			qs[i] = "「" + r.Question + "」"
		}
		b.WriteString("\n不是这个问题？相关：" + strings.Join(qs, "、"))
	}
	b.WriteString("\n> 来源：" + h.sourceLabel(e))
	return bot.Markdown(b.String())
}

// maxRelated bounds the 相关 entries shown, so the feedback card stays short.
const maxRelated = 3

// related returns the entries e names as 相关 that the KB still has.
func (h *Handler) related(e *knowledge.Entry) []*knowledge.Entry {
	var out []*knowledge.Entry
	for _, id := range e.Related {
		if r, ok := h.opts.KB.Entry(id); ok && r.ID != e.ID && len(out) < maxRelated {
			out = append(out, r)
		}
	}
	return out
}

// sourceLabel names the entry so authors (and curious users) can find it.
func (h *Handler) sourceLabel(e *knowledge.Entry) string {
	label := "知识库"
	if e.Category != "" {
		label += "·" + e.Category
	}
	label += "「" + e.Question + "」（" + e.ID
	if e.Source != "" {
		label += "，" + filepath.Base(e.Source)
	}
	label += "）"
	if h.opts.SourceURL != nil {
		if u := h.opts.SourceURL(e); u != "" {
			label += " [查看原文](" + u + ")"
		}
	}
	return label
}

// wecomMarkdown adapts author Markdown to the subset WeCom renders: code fences
// are dropped (their content kept) and deep headings become bold lines.
func wecomMarkdown(md string) string {
	lines := strings.Split(strings.TrimSpace(md), "\n")
	out := lines[:0]
	for _, l := range lines {
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "```"), strings.HasPrefix(t, "~~~"):
			continue
		case strings.HasPrefix(t, "#"):
			title := strings.TrimSpace(strings.TrimLeft(t, "#"))
			if title != "" {
				l = "**" + title + "**"
			}
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// feedbackCard asks whether the answer helped; the values carry the entry ID so
// a late click still rates the right entry. A 相关 entry's button sends its
// question, which that entry then answers.
func feedbackCard(e *knowledge.Entry, related []*knowledge.Entry) bot.Reply {
	c := bot.Card{
		Title: "这个回答有帮助吗？",
		Buttons: []bot.Button{
			{Label: "有用", Value: CmdUseful + " " + e.ID, Style: 1},
			{Label: "没用", Value: CmdUseless + " " + e.ID, Style: 2},
		},
	}
	for _, r := range related {
		// WeCom shows at most 10 characters on a button; the answer above
		// names the related questions in full.
		c.Buttons = append(c.Buttons, bot.Button{Label: truncate(r.Question, 10), Value: r.Question, Style: 2})
	}
	return bot.CardReply(c)
}

// suggestCard offers close candidates; each button sends the entry's question,
// which then matches that entry exactly.
func suggestCard(cands []knowledge.Candidate) bot.Reply {
	c := bot.Card{Title: "您是不是想问：", Description: "请选择最接近的问题，或回复序号。"}
	for _, cand := range cands {
		c.Buttons = append(c.Buttons, bot.Button{Label: truncate(cand.Entry.Question, 30), Value: cand.Entry.Question})
	}
	c.Buttons = append(c.Buttons, bot.Button{Label: "都不是", Value: CmdNoneOf, Style: 2})
	return bot.CardReply(c)
}

// noAnswerCard is the honest "no answer" with ways forward. afterChoices:
// the user said none of the offered entries fits, so the KB has something
// on the topic, just not this.
func noAnswerCard(question string, afterChoices, canFile bool) bot.Reply {
	// Off-topic questions ("今天天气怎么样") land here too, so the promise is
	// conditional: the gap log shows authors everything, they pick.
	lead := "知识库里还没有「" + truncate(question, 40) + "」的答案。如果是项目相关的问题，我已记下，项目组会补充。"
	if afterChoices {
		lead = "知识库里没有与「" + truncate(question, 40) + "」更贴切的答案，我已记下，项目组会补充。"
	}
	if !canFile {
		return bot.CardReply(bot.Card{
			Title:       "暂时没有找到答案",
			Description: lead + "您可以换个说法再问，或联系项目经理。",
			Buttons:     []bot.Button{{Label: "换个说法", Value: CmdRephrase}, {Label: "联系项目经理", Value: CmdContact}},
		})
	}
	return bot.CardReply(bot.Card{
		Title:       "暂时没有找到答案",
		Description: lead + "您可以换个说法再问，提交报修，或联系项目工程师。",
		Buttons: []bot.Button{
			{Label: "换个说法", Value: CmdRephrase},
			{Label: "报修", Value: ticketPrefix + " " + truncate(question, 100)},
			{Label: "联系项目工程师", Value: CmdContact},
		},
	})
}
