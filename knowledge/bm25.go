package knowledge

import (
	"math"
	"strings"
)

// BM25 is the comparison baseline: plain BM25 over character bigrams of each
// entry's question and similar phrasings, with basic normalisation only (no
// synonyms, no unigrams). Its confidence is the score divided by the query's
// self-match score, so the same Policy can be applied to it.
type BM25 struct {
	entries []Entry
	policy  Policy
	post    map[string][]bm25Posting
	docLen  []float64
	avgLen  float64
	k1, b   float64
}

type bm25Posting struct {
	doc int32
	tf  float32
}

// NewBM25 builds the baseline index.
func NewBM25(entries []Entry, policy Policy) *BM25 {
	m := &BM25{entries: entries, policy: policy, post: map[string][]bm25Posting{}, k1: 1.2, b: 0.75}
	m.docLen = make([]float64, len(entries))
	var total float64
	for i := range entries {
		text := strings.Join(entries[i].Phrasings(), " ")
		grams := charBigrams(text)
		tf := map[string]int{}
		for _, g := range grams {
			tf[g]++
		}
		for g, n := range tf {
			m.post[g] = append(m.post[g], bm25Posting{doc: int32(i), tf: float32(n)})
		}
		m.docLen[i] = float64(len(grams))
		total += float64(len(grams))
	}
	if len(entries) > 0 {
		m.avgLen = total / float64(len(entries))
	}
	return m
}

// charBigrams returns the bigrams of consecutive runes, separators removed.
func charBigrams(s string) []string {
	rs := []rune(strings.ReplaceAll(BasicNormalize(s), " ", ""))
	if len(rs) == 1 {
		return []string{string(rs)}
	}
	out := make([]string, 0, len(rs))
	for i := 1; i < len(rs); i++ {
		out = append(out, string(rs[i-1:i+1]))
	}
	return out
}

func (m *BM25) idf(g string) float64 {
	n := float64(len(m.entries))
	df := float64(len(m.post[g]))
	return math.Log(1 + (n-df+0.5)/(df+0.5))
}

// Search ranks entries and applies the policy to the self-normalised scores.
func (m *BM25) Search(query string, k int) Result {
	if k <= 0 {
		k = 5
	}
	grams := charBigrams(query)
	qtf := map[string]int{}
	for _, g := range grams {
		qtf[g]++
	}
	scores := map[int32]float64{}
	var self float64
	qlen := float64(len(grams))
	for g, n := range qtf {
		idf := m.idf(g)
		self += idf * float64(n) * (m.k1 + 1) / (float64(n) + m.k1*(1-m.b+m.b*qlen/m.avgLen))
		for _, p := range m.post[g] {
			tf := float64(p.tf)
			norm := m.k1 * (1 - m.b + m.b*m.docLen[p.doc]/m.avgLen)
			scores[p.doc] += idf * tf * (m.k1 + 1) / (tf + norm)
		}
	}
	var top []Candidate
	for d, sc := range scores {
		conf := 0.0
		if self > 0 {
			conf = math.Min(1, sc/self)
		}
		top = insertTop(top, k, Candidate{Entry: &m.entries[d], Score: conf, rank: conf, Matched: m.entries[d].Question, pos: int(d)})
	}
	return m.policy.Decide(top)
}
