package status

import (
	"deliverybot/bot/textsim"
	"strings"
	"unicode"

	"deliverybot/bot/registry"
)

// fillers are stripped from a question to leave the project name
// ("锦绣项目现在怎么样了？" → "锦绣").
var fillers = []string{
	"上线还有几天", "还有几天上线", "还有多少天上线", "上线还有多少天", "多久上线", "什么时候上线", "还有几天",
	"怎么样了", "怎么样", "如何了", "如何", "进展", "进度", "情况", "状态", "到哪一步", "到哪", "咋样", "现在", "目前",
	"距离", "离", "项目", "的", "了", "吗", "呢", "查看", "查询", "看看", "看下", "一下",
}

// pronouns mean "the project we are talking about".
var pronouns = map[string]bool{"": true, "这个": true, "那个": true, "这": true, "那": true, "我": true, "我们": true,
	"咱们": true, "咱": true, "我的": true, "我们的": true, "本": true, "该": true, "当前": true, "上线": true}

// extractName strips question words and punctuation from a status question.
func extractName(text string) string {
	s := normalise(text)
	for _, f := range fillers {
		s = strings.ReplaceAll(s, f, "")
	}
	return s
}

// normalise lowercases and drops spaces and punctuation.
func normalise(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// keys are the normalised names a project answers to.
func keys(p registry.Project) []string {
	out := []string{normalise(p.ID)}
	for _, n := range append([]string{p.Name}, p.Aliases...) {
		k := strings.ReplaceAll(normalise(n), "项目", "")
		if k != "" {
			out = append(out, k)
		}
	}
	return out
}

// matchProjects finds the projects a name refers to: an exact name/alias/ID wins;
// otherwise every project whose name contains the query or is contained in it;
// otherwise the best character-bigram similarity above a threshold.
func matchProjects(ps []registry.Project, query string) []registry.Project {
	q := strings.ReplaceAll(normalise(query), "项目", "")
	if q == "" {
		return nil
	}
	var exact, contains []registry.Project
	best, bestScore := []registry.Project(nil), 0.0
	for _, p := range ps {
		hitExact, hitContains, score := false, false, 0.0
		for _, k := range keys(p) {
			switch {
			case k == q:
				hitExact = true
			case len([]rune(q)) >= 2 && strings.Contains(k, q), len([]rune(k)) >= 2 && strings.Contains(q, k):
				hitContains = true
			}
			score = max(score, textsim.Dice(q, k))
		}
		switch {
		case hitExact:
			exact = append(exact, p)
		case hitContains:
			contains = append(contains, p)
		case score > bestScore+1e-9:
			best, bestScore = []registry.Project{p}, score
		case score > 0 && score >= bestScore-1e-9:
			best = append(best, p)
		}
	}
	switch {
	case len(exact) > 0:
		return exact
	case len(contains) > 0:
		return contains
	case bestScore >= 0.5:
		return best
	}
	return nil
}
