package knowledge

import (
	"strings"
	"testing"
)

// QA found how-to questions for the reverse action answered outright with the
// entry for the forward one (企业微信怎么退出登录 → 「企业微信怎么登录？」).
func TestOppositeActionNotAnswered(t *testing.T) {
	ix, _, err := LoadIndex("../deploy/demo/kb", DefaultOptions(), true)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ q, forward string }{
		{"企业微信怎么退出登录", "wecom-login"},
		{"怎么取消预约的腾讯会议", "meeting-schedule"},
		{"怎么删除外部联系人", "wecom-add-external"},
		{"企业微信怎么登出", "wecom-login"},
		{"腾讯会议怎么取消会议", "meeting-schedule"},
	} {
		res := ix.Search(c.q, 5)
		if res.Decision == Answer && res.Choices[0].Entry.ID == c.forward {
			t.Errorf("%s: answered outright with %s, the entry for the opposite action", c.q, c.forward)
		}
	}
	// The fourth QA query is no opposite action: the KB has nothing on 联席主持人,
	// and 主持人 (in one phrasing and the answer of the microphone entry) lifts
	// that entry's ranking mix to the answer threshold (README, "Opposite
	// actions"). Logged, not asserted: no general rule tried fixes it without
	// losing more right answers.
	if res := ix.Search("腾讯会议怎么设置联席主持人", 5); res.Decision == Answer {
		t.Logf("腾讯会议怎么设置联席主持人: still answered with %s (known)", res.Choices[0].Entry.ID)
	}
	for _, c := range []struct{ q, want string }{
		{"企业微信怎么登录", "wecom-login"},
		{"怎么预约腾讯会议", "meeting-schedule"},
		{"怎么添加外部联系人", "wecom-add-external"},
		{"企业微信怎么登录？", "wecom-login"},
	} {
		res := ix.Search(c.q, 5)
		if res.Decision != Answer || res.Choices[0].Entry.ID != c.want {
			top := ""
			if t0, ok := res.Top(); ok {
				top = t0.Entry.ID
			}
			t.Errorf("%s: %s (top %s), want answer %s", c.q, res.Decision, top, c.want)
		}
	}
}

// An entry that does cover the reverse action wins over the forward one.
func TestOppositeActionEntryWins(t *testing.T) {
	entries := []Entry{
		{ID: "login", Question: "企业微信怎么登录？", Similar: []string{"企微怎么登陆", "企业微信登录方式", "企业微信用什么账号登录"}, Answer: "打开企业微信，用手机号登录。"},
		{ID: "logout", Question: "怎么退出企业微信账号？", Similar: []string{"企微怎么退出账号"}, Answer: "我 → 设置 → 退出。"},
		{ID: "vpn", Question: "vpn怎么安装？", Answer: "下载客户端安装。"},
	}
	ix, err := BuildIndex(entries, DefaultSynonyms(), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	res := ix.Search("企业微信怎么退出登录", 5)
	if top, _ := res.Top(); top.Entry == nil || top.Entry.ID != "logout" {
		t.Fatalf("企业微信怎么退出登录: top %+v, want logout", res.Ranked)
	}
	if res.Decision == Answer && res.Choices[0].Entry.ID == "login" {
		t.Fatal("answered with the login entry")
	}
	if res := ix.Search("企业微信怎么登录", 5); res.Decision != Answer || res.Choices[0].Entry.ID != "login" {
		t.Fatalf("企业微信怎么登录: %s %+v", res.Decision, res.Choices)
	}
}

func TestParseOpposites(t *testing.T) {
	tab, errs := ParseSynonyms(strings.NewReader("# c\n审批: 申批\n提交|发起 <> 撤回|撤销\n坏行 <> \n"), "synonyms.txt")
	if len(errs) != 1 || errs[0].Line != 4 {
		t.Fatalf("errs = %v, want one on line 4", errs)
	}
	if len(tab.Groups) != 1 || len(tab.Opposites) != 1 {
		t.Fatalf("table = %+v", tab)
	}
	if p := tab.Opposites[0]; strings.Join(p.A, "|") != "提交|发起" || strings.Join(p.B, "|") != "撤回|撤销" {
		t.Fatalf("pair = %+v", p)
	}
	// A KB's pairs extend the built-in ones.
	all := tab.Extend(DefaultSynonyms())
	if len(all.Opposites) != 1+len(DefaultSynonyms().Opposites) {
		t.Fatalf("extended opposites = %d", len(all.Opposites))
	}
	entries := []Entry{
		{ID: "submit", Question: "怎么提交审批？", Similar: []string{"审批怎么发起"}, Answer: "工作台 → 审批 → 选择模板提交。"},
		{ID: "other", Question: "审批模板在哪里？", Answer: "工作台 → 审批。"},
	}
	ix, err := BuildIndex(entries, all, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	// A query naming both sides is left alone.
	for _, c := range ix.Search("提交的审批怎么撤回", 5).Ranked {
		if c.opposite {
			t.Fatalf("提交的审批怎么撤回: %s flagged opposite", c.Entry.ID)
		}
	}
	if res := ix.Search("审批怎么撤回", 5); res.Decision == Answer && res.Choices[0].Entry.ID == "submit" {
		t.Fatal("审批怎么撤回 answered with the submit entry (KB-defined pair ignored)")
	}
}

// A query naming both sides of a pair is left alone, whatever else it names
// and wherever the two sides stand.
func TestQueryActionsDropsPairsNamedOnBothSides(t *testing.T) {
	ix, err := BuildIndex([]Entry{{ID: "x", Question: "怎么登录？", Answer: "a"}}, DefaultSynonyms(), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"登录后添加同事再退出登录", "退出登录后添加同事再登录"} {
		got := ix.queryActions(ix.Normalize(q))
		if len(got) != 1 {
			t.Errorf("%s: sides %v, want only 添加's", q, got)
		}
	}
}
