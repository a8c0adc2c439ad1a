package status

import (
	"regexp"
	"slices"
	"testing"

	"deliverybot/bot/registry"
)

func TestExtractName(t *testing.T) {
	tests := map[string]string{
		"锦绣项目怎么样了？":    "锦绣",
		"华东医院项目现在进展如何": "华东医院",
		"远陆证券的情况":      "远陆证券",
		"上线还有几天":       "",
		"锦绣上线还有几天？":    "锦绣",
		"项目怎么样了":       "",
		"现在到哪一步了":      "",
		"锦绣到哪一步了":      "锦绣",
		"我们的项目进展怎么样":   "我们",
	}
	for in, want := range tests {
		if got := extractName(in); got != want {
			t.Errorf("extractName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMatchProjects(t *testing.T) {
	data, err := registry.LoadFile(demoPath())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		q    string
		want []string
	}{
		{"锦绣", []string{"jxjt"}},
		{"JXJT", []string{"jxjt"}},
		{"华东", []string{"hdyy"}},           // part of a name
		{"华东医院企业微信协同办公", []string{"hdyy"}}, // name without 项目
		{"远陆证劵", []string{"ylzq"}},         // typo: bigram similarity
		{"腾讯会议项目", []string{"ylzq"}},       // alias
		{"企业微信", []string{"hdyy", "jxjt"}}, // ambiguous
		{"天气", nil},
		{"", nil},
	}
	for _, tc := range tests {
		var got []string
		for _, p := range matchProjects(data.Projects, tc.q) {
			got = append(got, p.ID)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("matchProjects(%q) = %v, want %v", tc.q, got, tc.want)
		}
	}
}

func TestQuestionPatterns(t *testing.T) {
	data, _ := registry.LoadFile(demoPath())
	s := New(Deps{Registry: registry.New(data, nil)})
	match := func(patterns []string, text string) bool {
		for _, p := range patterns {
			if regexp.MustCompile(p).MatchString(text) {
				return true
			}
		}
		return false
	}
	for text, want := range map[string]bool{
		"锦绣项目怎么样了？":  true,
		"远陆证券的情况":    true,
		"锦绣进度如何":     true,
		"我们的项目进展怎么样": true,
		"项目怎么样了":     true,
		"某某项目现在什么情况": true,
		"协同办公如何设置审批": false,
		"腾讯会议怎么共享屏幕": false,
		"打印机坏了":      false,
		"项目经理是谁":     false,
		"进度怎么样了":     true,
		"现在进展如何了？":   true,
		"现在到哪一步了":    true,
		"怎么样了":       false,
		"报修进度怎么查":    false,
		"工单进度怎么样了":   false,
	} {
		if got := match(s.statusPatterns(), text); got != want {
			t.Errorf("status pattern on %q = %v, want %v", text, got, want)
		}
	}
	for text, want := range map[string]bool{
		"上线还有几天":      true,
		"锦绣上线还有几天？":   true,
		"还有多少天上线":     true,
		"什么时候上线":      true,
		"距离上线还有多少天":   true,
		"上线后怎么登录企业微信": false,
	} {
		if got := match(goLivePatterns(), text); got != want {
			t.Errorf("go-live pattern on %q = %v, want %v", text, got, want)
		}
	}
}
