package knowledge

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Opposite actions. A how-to question for the reverse of an action shares
// almost every word with the entry for the action itself: "企业微信怎么退出登录"
// contains all of "企业微信怎么登录", "怎么删除外部联系人" all but one word of
// "怎么添加外部联系人". Word overlap alone scores such a pair as a confident
// match, and answering it outright is the worst failure there is (the user
// follows steps for the opposite of what they asked).
//
// An OppositePair names two sets of actions that undo each other. When the
// query names one side of a pair and not the other, and an entry's own
// phrasings (question and 相似问法, not the answer) name only the other side,
// the entry is marked opposite: the policy never answers it outright (it can
// still be offered under "您是不是想问"), and a candidate whose phrasings do
// name the query's action is moved ahead of it when it is worth offering
// (its confidence reaches the suggest threshold). An entry naming both sides
// ("退出后怎么重新登录") or neither is left alone, and so is a query naming both.
//
// Actions are found in the normalised text (synonyms applied), longest match
// first, so the 登录 inside 退出登录 and the 预约 inside 取消预约 are not read
// as the forward action.

// OppositePair is one line "动作|说法 <> 反向动作|说法" of a synonym table.
type OppositePair struct {
	A, B []string
}

// defaultOpposites are built in; a KB's synonyms.txt adds its own lines.
const defaultOpposites = `
# opposite actions: a query for one side is never answered outright with an
# entry whose phrasings name only the other side. Not 注销 alone: 手机号注销了
# is a cancelled number, not a logout.
登录 <> 退出登录|登出|注销登录|退出账号
预约|预定|预订|预约会议 <> 取消预约|取消预定|取消预订|取消会议
添加|创建|建群|上传 <> 删除|移除|解散
开启|打开 <> 关闭|关掉|关上
加入|入会|进群 <> 退出|退群
绑定 <> 解绑|解除绑定|取消绑定
安装 <> 卸载
订阅 <> 取消订阅|退订
关注 <> 取消关注
收藏 <> 取消收藏
置顶 <> 取消置顶
屏蔽 <> 取消屏蔽|解除屏蔽
`

// parseOpposite reads "a|b <> c|d"; ok is false when the line is no pair.
func parseOpposite(s string) (OppositePair, bool) {
	a, b, found := strings.Cut(s, "<>")
	if !found {
		return OppositePair{}, false
	}
	p := OppositePair{A: splitSimilar(a), B: splitSimilar(b)}
	return p, true
}

// actionMatcher finds the actions of opposite pairs in normalised text.
type actionMatcher struct {
	byFirst map[rune][]actionTerm // longest first
}

type actionTerm struct {
	from  []rune
	sides []int32 // pair*2 + side (0: A, 1: B)
}

// newActionMatcher normalises every action with norm; nil when there are none.
func newActionMatcher(pairs []OppositePair, norm *Normalizer) *actionMatcher {
	terms := map[string][]int32{}
	var order []string
	for i, p := range pairs {
		for side, words := range [2][]string{p.A, p.B} {
			for _, w := range words {
				t := strings.TrimSpace(norm.Normalize(w))
				if utf8.RuneCountInString(t) < 2 {
					continue // one character fires inside unrelated words
				}
				code := int32(2*i + side)
				if _, ok := terms[t]; !ok {
					order = append(order, t)
				}
				if !containsInt32(terms[t], code) {
					terms[t] = append(terms[t], code)
				}
			}
		}
	}
	if len(order) == 0 {
		return nil
	}
	m := &actionMatcher{byFirst: map[rune][]actionTerm{}}
	for _, t := range order {
		rs := []rune(t)
		m.byFirst[rs[0]] = append(m.byFirst[rs[0]], actionTerm{from: rs, sides: terms[t]})
	}
	for _, ts := range m.byFirst {
		slices.SortStableFunc(ts, func(a, b actionTerm) int { return len(b.from) - len(a.from) })
	}
	return m
}

// scan appends the pair sides named in normalised text s (leftmost longest
// match; a matched action's characters are not read again).
func (m *actionMatcher) scan(s string, out []int32) []int32 {
	rs := []rune(s)
	for i := 0; i < len(rs); {
		n := 1
		for _, t := range m.byFirst[rs[i]] {
			end := i + len(t.from)
			if end <= len(rs) && runesEqual(rs[i:end], t.from) {
				for _, c := range t.sides {
					if !containsInt32(out, c) {
						out = append(out, c)
					}
				}
				n = len(t.from)
				break
			}
		}
		i += n
	}
	return out
}

// indexActions records, per entry, the pair sides its phrasings name.
func (ix *Index) indexActions(pairs []OppositePair) {
	ix.acts = newActionMatcher(pairs, ix.norm)
	if ix.acts == nil {
		return
	}
	ix.entActs = make([][]int32, len(ix.entries))
	for e := range ix.entries {
		var sides []int32
		for _, ph := range ix.entries[e].Phrasings() {
			sides = ix.acts.scan(ix.norm.Normalize(ph), sides)
		}
		ix.entActs[e] = sides
	}
}

// queryActions returns the sides of the pairs a query names on one side only.
func (ix *Index) queryActions(norm string) []int32 {
	if ix.acts == nil {
		return nil
	}
	sides := ix.acts.scan(norm, nil)
	var out []int32 // not filtered in place: each side is checked against all of sides
	for _, c := range sides {
		if !containsInt32(sides, c^1) {
			out = append(out, c)
		}
	}
	return out
}

// markOpposites flags the candidates whose phrasings name only the reverse of
// an action the query names, and moves the best candidate that names the
// query's action ahead of a flagged top one.
func (ix *Index) markOpposites(q []int32, cands []Candidate) {
	if len(q) == 0 || len(cands) == 0 {
		return
	}
	same := -1
	for i := range cands {
		c := &cands[i]
		c.opposite, c.sameAction = false, false
		if c.pos < 0 || c.pos >= len(ix.entActs) {
			continue
		}
		ea := ix.entActs[c.pos]
		for _, s := range q {
			switch {
			case containsInt32(ea, s):
				c.sameAction = true
			case containsInt32(ea, s^1):
				c.opposite = true
			}
		}
		if c.opposite {
			c.sameAction = false
		}
		// Only a candidate worth offering may take the lead.
		if c.sameAction && same < 0 && c.Score >= ix.opts.Policy.SuggestThreshold {
			same = i
		}
	}
	if cands[0].opposite && same > 0 {
		c := cands[same]
		copy(cands[1:same+1], cands[:same])
		cands[0] = c
	}
}
