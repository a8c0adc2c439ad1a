package status

import (
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
