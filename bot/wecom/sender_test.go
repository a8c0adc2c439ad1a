package wecom_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"deliverybot/bot"
	"deliverybot/bot/wecom"
)

var partRE = regexp.MustCompile(`^\((\d+)/(\d+)\)\n`)

// checkParts asserts numbered, ordered, ≤ max bytes, valid UTF-8 parts that rejoin to
// the original text (modulo the newlines the split consumed).
func checkParts(t *testing.T, original string, parts []string, max int) {
	t.Helper()
	if len(parts) < 2 {
		t.Fatalf("expected several parts, got %d", len(parts))
	}
	var rebuilt strings.Builder
	for i, p := range parts {
		if len(p) > max {
			t.Fatalf("part %d is %d bytes > %d", i+1, len(p), max)
		}
		if !utf8.ValidString(p) {
			t.Fatalf("part %d has a broken character", i+1)
		}
		m := partRE.FindStringSubmatch(p)
		if m == nil || m[1] != fmt.Sprint(i+1) || m[2] != fmt.Sprint(len(parts)) {
			t.Fatalf("part %d numbered %q", i+1, p[:min(12, len(p))])
		}
		rebuilt.WriteString(strings.TrimPrefix(p, m[0]))
	}
	strip := func(s string) string { return strings.ReplaceAll(s, "\n", "") }
	if strip(rebuilt.String()) != strip(original) {
		t.Fatal("parts do not rejoin to the original text")
	}
}

func chinese(n int) string {
	const src = "企业微信自建应用回调消息加解密测试中文内容长度校验，项目实施交付问题处理。"
	r := []rune(src)
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteRune(r[i%len(r)])
	}
	return b.String()
}

func TestSplitText5000ChineseChars(t *testing.T) {
	s := chinese(5000) // 15000 bytes, one long line
	checkParts(t, s, wecom.SplitText(s, wecom.MaxContentBytes), wecom.MaxContentBytes)
}

func TestSplitTextPrefersLineBreaks(t *testing.T) {
	var lines []string
	for i := 0; i < 200; i++ {
		lines = append(lines, fmt.Sprintf("第%d行：%s", i, chinese(10)))
	}
	s := strings.Join(lines, "\n")
	parts := wecom.SplitText(s, wecom.MaxContentBytes)
	checkParts(t, s, parts, wecom.MaxContentBytes)
	for _, p := range parts {
		body := partRE.ReplaceAllString(p, "")
		for _, l := range strings.Split(body, "\n") {
			if !strings.HasPrefix(l, "第") {
				t.Fatalf("line cut in the middle: %q", l)
			}
		}
	}
}

func TestSplitTextEdgeCases(t *testing.T) {
	if got := wecom.SplitText("短", 2048); len(got) != 1 || got[0] != "短" {
		t.Fatalf("short text changed: %q", got)
	}
	exact := strings.Repeat("a", 2048)
	if got := wecom.SplitText(exact, 2048); len(got) != 1 {
		t.Fatalf("2048 bytes split into %d", len(got))
	}
	emoji := strings.Repeat("👍🏻", 1000) // 4-byte runes
	checkParts(t, emoji, wecom.SplitText(emoji, 2048), 2048)
	big := strings.Repeat("x", 2048*12) // 10+ parts: prefix grows to (10/13)
	checkParts(t, big, wecom.SplitText(big, 2048), 2048)
	if got := wecom.SplitText("ok\xff\xfe", 3); !utf8.ValidString(strings.Join(got, "")) {
		t.Fatal("invalid UTF-8 passed through")
	}
}

// A long line is never cut inside a URL or a markdown link: each must arrive
// whole in one part, or it no longer opens on the phone.
func TestSplitTextKeepsLinksWhole(t *testing.T) {
	url := "https://docs.qq.com/doc/DZ2Fsb2VfbW9jaz9pZD0xMjM0,5678;abc?x=1,y=2"
	link := "[VPN 客户端下载](https://vpn.example.com/download?os=win,mac;v=3.2)"
	var b strings.Builder
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "%s，详见 %s 以及%s；", chinese(17), url, link)
	}
	s := b.String()
	for _, max := range []int{300, 512, wecom.MaxContentBytes} {
		parts := wecom.SplitText(s, max)
		checkParts(t, s, parts, max)
		urls, links := 0, 0
		for _, p := range parts {
			urls += strings.Count(p, url)
			links += strings.Count(p, link)
		}
		if urls != 40 || links != 40 {
			t.Errorf("max %d: %d of 40 URLs and %d of 40 links arrived whole", max, urls, links)
		}
	}
}

func TestComposeMergesAndConverts(t *testing.T) {
	card := bot.Card{Title: "确认报修", Description: "VPN 无法连接", Fields: []bot.Field{{Key: "项目", Value: "A"}},
		Buttons: []bot.Button{{Label: "确认", Value: "确认"}, {Label: "取消", Value: "取消"}}, TaskID: "task_1"}
	out := wecom.Compose("u1", []bot.Reply{
		bot.Text("第一句"),
		bot.Text("第二句"),
		bot.CardReply(card),
		bot.Markdown("**粗体**"),
		bot.Markdown("更多"),
		{To: "pm1", Text: "有新报修"},
		bot.Text("第三句"),
	})
	want := []struct{ to, typ, content string }{
		{"u1", wecom.MsgText, "第一句\n\n第二句"},
		{"u1", wecom.MsgTemplateCard, ""},
		{"u1", wecom.MsgMarkdown, "**粗体**\n\n更多"},
		{"pm1", wecom.MsgText, "有新报修"},
		{"u1", wecom.MsgText, "第三句"},
	}
	if len(out) != len(want) {
		t.Fatalf("got %d messages, want %d: %+v", len(out), len(want), out)
	}
	for i, w := range want {
		m := out[i].Request
		if out[i].Index != i || out[i].ToUser != w.to || m.ToUser != w.to || m.MsgType != w.typ {
			t.Fatalf("message %d: %+v, want %+v", i, out[i], w)
		}
		if w.content != "" {
			var c string
			if m.Text != nil {
				c = m.Text.Content
			} else {
				c = m.Markdown.Content
			}
			if c != w.content {
				t.Fatalf("message %d content %q, want %q", i, c, w.content)
			}
		}
	}
	tc := out[1].Request.TemplateCard
	if tc.CardType != wecom.CardButtonInteraction || !strings.HasPrefix(tc.TaskID, "task_1@") || len(tc.TaskID) != len("task_1@")+8 || tc.MainTitle.Title != "确认报修" ||
		len(tc.ButtonList) != 2 || tc.ButtonList[0].Key != "确认" || tc.ButtonList[1].Text != "取消" ||
		len(tc.HorizontalContentList) != 1 {
		t.Fatalf("template card %+v", tc)
	}
}

func TestComposeCardFallbacks(t *testing.T) {
	many := bot.Card{Title: "选择项目"}
	for i := 0; i < 8; i++ {
		many.Buttons = append(many.Buttons, bot.Button{Label: fmt.Sprintf("项目%d", i), Value: fmt.Sprintf("p%d", i)})
	}
	out := wecom.Compose("u1", []bot.Reply{bot.CardReply(many)})
	if len(out) != 1 || out[0].Request.MsgType != wecom.MsgText || !strings.Contains(out[0].Request.Text.Content, "8. 项目7") {
		t.Fatalf("8 buttons should become numbered text: %+v", out)
	}
	link := wecom.Compose("u1", []bot.Reply{bot.CardReply(bot.Card{Title: "工单", Description: "已受理", URL: "https://x/t/1"})})
	if len(link) != 1 || link[0].Request.MsgType != wecom.MsgTextCard || link[0].Request.TextCard.URL != "https://x/t/1" {
		t.Fatalf("URL card should be a textcard: %+v", link)
	}
	long := bot.Card{Title: "说明", Description: chinese(400), Buttons: []bot.Button{{Label: "好", Value: "好"}}}
	out = wecom.Compose("u1", []bot.Reply{bot.CardReply(long)})
	if len(out) != 2 || out[0].Request.MsgType != wecom.MsgText || !strings.Contains(out[0].Request.Text.Content, chinese(400)) ||
		out[1].Request.MsgType != wecom.MsgTemplateCard {
		t.Fatalf("long card description should go to a text first: %+v", out)
	}
	if out := wecom.Compose("u1", []bot.Reply{bot.Text("  "), {}}); len(out) != 0 {
		t.Fatalf("empty replies produced %d messages", len(out))
	}
	noTask := wecom.Compose("u1", []bot.Reply{bot.CardReply(bot.Card{Title: "t", Buttons: []bot.Button{{Label: "a", Value: "a"}}, TaskID: "bad id!"})})
	if id := noTask[0].Request.TemplateCard.TaskID; id == "" || strings.ContainsAny(id, " !") {
		t.Fatalf("invalid task id kept: %q", id)
	}
	// The same card sent twice gets two task IDs (WeCom refuses a reused one).
	same := bot.CardReply(bot.Card{Title: "t", Buttons: []bot.Button{{Label: "a", Value: "a"}}, TaskID: "ticket_9"})
	a := wecom.Compose("u1", []bot.Reply{same})[0].Request.TemplateCard.TaskID
	b := wecom.Compose("u2", []bot.Reply{same})[0].Request.TemplateCard.TaskID
	if a == b {
		t.Fatalf("task id %q reused", a)
	}
}

func TestComposeSplitsLongText(t *testing.T) {
	s := chinese(5000)
	out := wecom.Compose("u1", []bot.Reply{{Text: s}})
	var parts []string
	for i, o := range out {
		if o.Index != i || o.Request.MsgType != wecom.MsgText {
			t.Fatalf("part %d: %+v", i, o)
		}
		parts = append(parts, o.Request.Text.Content)
	}
	checkParts(t, s, parts, wecom.MaxContentBytes)
}
