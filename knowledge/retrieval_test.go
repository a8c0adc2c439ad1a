package knowledge

import (
	"strings"
	"testing"
)

func TestBasicNormalize(t *testing.T) {
	cases := map[string]string{
		"ＶＰＮ登不上！！":          "vpn登不上",
		"  企业微信，怎么   改名？ ":  "企业微信 怎么 改名",
		"會議室怎麼預訂":           "会议室怎么预订",
		"Excel导入-报错(42001)": "excel导入 报错 42001",
		"帳號被鎖定了😭":           "帐号被锁定了",
		"？！。":               "",
	}
	for in, want := range cases {
		if got := BasicNormalize(in); got != want {
			t.Errorf("BasicNormalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNormalizerSynonyms(t *testing.T) {
	n := NewNormalizer(SynonymTable{Groups: []SynonymGroup{
		{Canonical: "企业微信", Variants: []string{"企微", "wecom"}},
		{Canonical: "无法登录", Variants: []string{"登不上", "登录不了"}},
		{Canonical: "哪里", Variants: []string{"在哪"}},
		{Canonical: "OA", Variants: []string{"oa系统"}},
		{Canonical: "vpn", Variants: []string{"vnp"}},
	}}.Extend(DefaultSynonyms()))
	cases := map[string]string{
		"企微登不上":            "企业微信无法登录",
		"WeCom 登录不了":       "企业微信 无法登录",
		"企业微信在哪下载":         "企业微信哪里下载",
		"哪里下载":             "哪里下载", // canonical is not rewritten by its own variant
		"download the app": "download the app",
		"vnp连不上":           "vpn连不上",
		"vnpx":             "vnpx", // ASCII variants match whole words only
		"OA系统打不开":          "oa打不开",
	}
	for in, want := range cases {
		if got := n.Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func unitIndex(t testing.TB) *Index {
	t.Helper()
	kb, err := Load("testdata/unit")
	if err != nil {
		t.Fatal(err)
	}
	ix, err := BuildIndex(kb.Entries, kb.Synonyms, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestSearchDecisions(t *testing.T) {
	ix := unitIndex(t)
	cases := []struct {
		query string
		want  Decision
		id    string
	}{
		{"VPN 登不上怎么办？", Answer, "vpn-login"}, // exact question
		{"vpn连不上了咋办", Answer, "vpn-login"},
		{"企微里怎么改名", Answer, GenerateID("企业微信怎么改名字")},
		{"腾讯会议共享屏幕", Answer, "meeting-share"},
		{"今天天气怎么样", NoAnswer, ""},
		{"食堂几点开饭", NoAnswer, ""},
		{"？？", NoAnswer, ""},
	}
	for _, c := range cases {
		res := ix.Search(c.query, 5)
		if res.Decision != c.want {
			t.Errorf("%q: decision %v, want %v (ranked %+v)", c.query, res.Decision, c.want, res.Ranked)
			continue
		}
		if c.id != "" && res.Choices[0].Entry.ID != c.id {
			t.Errorf("%q: answered %s, want %s", c.query, res.Choices[0].Entry.ID, c.id)
		}
	}
}

func TestExactQuestionHasFullConfidence(t *testing.T) {
	ix := unitIndex(t)
	for _, e := range ix.Entries() {
		res := ix.Search(e.Question, 3)
		top, ok := res.Top()
		if !ok || top.Entry.ID != e.ID || top.Score < 0.999 || top.Score > 1 {
			t.Errorf("%q: top %+v, want %s with confidence 1", e.Question, top, e.ID)
		}
	}
}

func TestPolicyDecide(t *testing.T) {
	p := Policy{AnswerThreshold: 0.6, MinMargin: 0.1, SureThreshold: 0.9, SuggestThreshold: 0.4, MaxSuggestions: 3}
	e := func(id string) *Entry { return &Entry{ID: id} }
	cand := func(scores ...float64) []Candidate {
		var out []Candidate
		for i, s := range scores {
			out = append(out, Candidate{Entry: e(string(rune('a' + i))), Score: s})
		}
		return out
	}
	cases := []struct {
		name    string
		in      []Candidate
		want    Decision
		choices int
	}{
		{"nothing", nil, NoAnswer, 0},
		{"weak", cand(0.39, 0.2), NoAnswer, 0},
		{"clear winner", cand(0.7, 0.5), Answer, 1},
		{"close pair", cand(0.7, 0.65, 0.5, 0.45, 0.41), Suggest, 3},
		{"close but sure", cand(0.95, 0.88), Answer, 1},
		{"two sure", cand(1, 1, 0.5), Suggest, 3},
		{"only suggestable", cand(0.5, 0.3), Suggest, 1},
		{"single candidate", cand(0.61), Answer, 1},
	}
	exact := cand(1, 1, 0.5)
	exact[0].match = 1 // the query is one of the top entry's phrasings
	if res := p.Decide(exact); res.Decision != Answer {
		t.Errorf("two sure entries, the first matched by its own phrasing: %v, want answer", res.Decision)
	}
	bonus := p
	bonus.MarginBonus = 0.5
	if res := bonus.Decide(cand(0.35, 0.1)); res.Decision != Suggest || res.Confidence != 0.475 {
		t.Errorf("a lone weak candidate with a clear lead: %v at %.3f, want suggest at 0.475", res.Decision, res.Confidence)
	}
	if res := bonus.Decide(cand(0.38, 0.37)); res.Decision != NoAnswer {
		t.Errorf("a flat weak field: %v, want no answer", res.Decision)
	}
	if res := bonus.Decide(cand(0.58, 0.1)); res.Decision != Suggest {
		t.Errorf("the bonus must not turn a weak match into an outright answer: %v", res.Decision)
	}
	for _, c := range cases {
		res := p.Decide(c.in)
		if res.Decision != c.want || len(res.Choices) != c.choices {
			t.Errorf("%s: %v with %d choices, want %v with %d", c.name, res.Decision, len(res.Choices), c.want, c.choices)
		}
	}
}

// A bare topic word matches many entries in full: offer the closest ones
// instead of answering whichever happens to rank first.
func TestBareTopicWordIsSuggestedNotAnswered(t *testing.T) {
	ix, _, err := LoadIndex("../deploy/demo/kb", DefaultOptions(), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"vpn", "密码", "企业微信", "腾讯会议", "审批", "打卡"} {
		res := ix.Search(q, 5)
		if res.Decision != Suggest || len(res.Choices) != 3 {
			t.Errorf("%q: %v with %d choices, want 3 suggestions", q, res.Decision, len(res.Choices))
		}
	}
	for q, id := range map[string]string{"vpn登不上怎么办": "vpn-cannot-login", "腾讯会议怎么共享屏幕": "meeting-share-screen", "密码忘了怎么重置": "password-reset"} {
		if res := ix.Search(q, 5); res.Decision != Answer || res.Choices[0].Entry.ID != id {
			t.Errorf("%q: a full question must still be answered outright: %v %v", q, res.Decision, ids(res.Choices))
		}
	}
}

// Zero-width characters pasted inside a word do not split it.
func TestInvisibleCharactersAreIgnored(t *testing.T) {
	if got := BasicNormalize("v\u200bpn登\ufeff不上\u00ad怎么办"); got != "vpn登不上怎么办" {
		t.Fatalf("BasicNormalize = %q", got)
	}
	ix, _, err := LoadIndex("../deploy/demo/kb", DefaultOptions(), false)
	if err != nil {
		t.Fatal(err)
	}
	if res := ix.Search("v\u200bpn登不上怎么办", 5); res.Decision != Answer || res.Choices[0].Entry.ID != "vpn-cannot-login" {
		t.Fatalf("%v %v", res.Decision, ids(res.Choices))
	}
}

func TestSearchIsSafeForOddInput(t *testing.T) {
	ix := unitIndex(t)
	for _, q := range []string{"", " ", strings.Repeat("企业微信", 500), "\x00\xff", "🙂🙂"} {
		res := ix.Search(q, 5)
		if res.Decision == Answer && q == "" {
			t.Fatal("empty query answered")
		}
	}
}

func TestBuildIndexRejectsDuplicateIDs(t *testing.T) {
	_, err := BuildIndex([]Entry{{ID: "a", Question: "q1", Answer: "x"}, {ID: "a", Question: "q2", Answer: "y"}}, SynonymTable{}, DefaultOptions())
	if err == nil || !strings.Contains(err.Error(), "重复") {
		t.Fatalf("err = %v", err)
	}
}
