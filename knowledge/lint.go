package knowledge

import (
	"fmt"
	"sort"
)

// LintKind classifies a lint finding.
type LintKind string

const (
	LintRowError       LintKind = "row_error"       // a row the loader rejected
	LintDuplicate      LintKind = "duplicate"       // two entries share a phrasing after normalisation
	LintNearDuplicate  LintKind = "near_duplicate"  // two entries' questions are very similar
	LintSelfDuplicated LintKind = "self_duplicated" // an entry lists the same phrasing twice
	LintFewPhrasings   LintKind = "few_phrasings"   // an entry has fewer than MinSimilar 相似问法
	LintBadRelated     LintKind = "bad_related"     // a 相关 ID that is no other entry of the KB
)

// MinSimilar is how many 相似问法 an entry should have: users' own words match
// an entry mostly through them (see knowledge/README.md, calibration).
const MinSimilar = 3

// Warning reports whether the finding is advice rather than a mistake to fix.
func (k LintKind) Warning() bool { return k == LintNearDuplicate || k == LintFewPhrasings }

// LintIssue is one finding. Duplicates make the bot hesitate between entries
// ("您是不是想问") where authors meant one answer.
type LintIssue struct {
	Kind   LintKind `json:"kind"`
	A      string   `json:"a,omitempty"` // entry ID (or file:line for row errors)
	B      string   `json:"b,omitempty"`
	Score  float64  `json:"score,omitempty"`
	Detail string   `json:"detail"`
}

// NearDuplicateThreshold is the confidence at which two questions count as near duplicates.
const NearDuplicateThreshold = 0.8

// Lint checks a loaded KB for rejected rows, duplicate and near-duplicate questions.
func Lint(kb *KB) []LintIssue {
	var issues []LintIssue
	for _, p := range kb.Problems {
		issues = append(issues, LintIssue{Kind: LintRowError, A: sourceRef(p.File, p.Line), Detail: p.Reason})
	}
	if len(kb.Entries) == 0 {
		return issues
	}
	opts := DefaultOptions()
	opts.AnswerWeight = 0 // compare questions, not answers
	ix, err := BuildIndex(kb.Entries, kb.Synonyms, opts)
	if err != nil {
		return append(issues, LintIssue{Kind: LintDuplicate, Detail: err.Error()})
	}
	issues = append(issues, exactDuplicates(ix)...)
	issues = append(issues, nearDuplicates(ix)...)
	issues = append(issues, badRelated(kb.Entries)...)
	return append(issues, fewPhrasings(kb.Entries)...)
}

func badRelated(entries []Entry) []LintIssue {
	ids := make(map[string]bool, len(entries))
	for _, e := range entries {
		ids[e.ID] = true
	}
	var issues []LintIssue
	for _, e := range entries {
		for _, r := range e.Related {
			if r == e.ID || !ids[r] {
				issues = append(issues, LintIssue{Kind: LintBadRelated, A: e.ID, B: r,
					Detail: fmt.Sprintf("%s（%s）的相关条目 %s 不是本知识库的另一个条目", e.ID, e.Source, r)})
			}
		}
	}
	return issues
}

func fewPhrasings(entries []Entry) []LintIssue {
	var issues []LintIssue
	for _, e := range entries {
		if n := len(e.Similar); n < MinSimilar {
			issues = append(issues, LintIssue{Kind: LintFewPhrasings, A: e.ID, Score: float64(n),
				Detail: fmt.Sprintf("%s（%s）只有 %d 个相似问法：补到 %d 个以上用户自己的说法（可从 kb gaps 里找），回答率会更高", e.ID, e.Source, n, MinSimilar)})
		}
	}
	return issues
}

func exactDuplicates(ix *Index) []LintIssue {
	var issues []LintIssue
	owner := map[string]int{} // normalised phrasing → entry index
	for i := range ix.entries {
		e := &ix.entries[i]
		mine := map[string]bool{}
		for _, ph := range e.Phrasings() {
			// Within one entry only literal repeats are mistakes; phrasings the
			// synonym table makes equal are harmless.
			if basic := BasicNormalize(ph); mine[basic] {
				issues = append(issues, LintIssue{Kind: LintSelfDuplicated, A: e.ID,
					Detail: fmt.Sprintf("条目 %s（%s）重复列出了说法「%s」", e.ID, e.Source, ph)})
				continue
			}
			mine[BasicNormalize(ph)] = true
			n := ix.norm.Normalize(ph)
			if j, ok := owner[n]; ok && j != i {
				o := &ix.entries[j]
				issues = append(issues, LintIssue{Kind: LintDuplicate, A: o.ID, B: e.ID, Score: 1,
					Detail: fmt.Sprintf("「%s」同时出现在 %s（%s）和 %s（%s）", ph, o.ID, o.Source, e.ID, e.Source)})
				continue
			}
			owner[n] = i
		}
	}
	return issues
}

func nearDuplicates(ix *Index) []LintIssue {
	var issues []LintIssue
	seen := map[[2]int]bool{}
	for i := range ix.entries {
		e := &ix.entries[i]
		for _, c := range ix.rank(e.Question, 4) {
			j := c.pos
			if j == i || c.Score < NearDuplicateThreshold {
				continue
			}
			pair := [2]int{min(i, j), max(i, j)}
			if seen[pair] {
				continue
			}
			seen[pair] = true
			o := &ix.entries[j]
			issues = append(issues, LintIssue{Kind: LintNearDuplicate, A: e.ID, B: o.ID, Score: c.Score,
				Detail: fmt.Sprintf("「%s」（%s）与「%s」（%s）非常相似（%.2f），考虑合并或区分", e.Question, e.ID, c.Matched, o.ID, c.Score)})
		}
	}
	sort.SliceStable(issues, func(a, b int) bool { return issues[a].Score > issues[b].Score })
	return issues
}
