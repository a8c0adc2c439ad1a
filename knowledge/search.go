package knowledge

import "math"

// Candidate is one scored entry for a query.
type Candidate struct {
	Entry *Entry `json:"entry"`
	// Score is the normalised confidence in [0,1]: 1 means the query matches a
	// phrasing of the entry exactly (its self-match), whatever the KB's size.
	Score float64 `json:"score"`
	// Matched is the phrasing (question or similar) that matched best.
	Matched string `json:"matched"`

	pos int // entry position in the KB, for stable tie-breaking
}

// Search ranks entries for the query and applies the policy. At most k
// candidates are returned (k <= 0 means 5).
func (ix *Index) Search(query string, k int) Result {
	if k <= 0 {
		k = 5
	}
	cands := ix.rank(query, k)
	return ix.opts.Policy.Decide(cands)
}

// rank returns the top k candidates, best first.
func (ix *Index) rank(query string, k int) []Candidate {
	s, _ := ix.pool.Get().(*scratch)
	if s == nil || len(s.docAcc) != len(ix.docEntry) {
		s = &scratch{
			docAcc:  make([]float32, len(ix.docEntry)),
			entBest: make([]float32, len(ix.entries)),
			entDoc:  make([]int32, len(ix.entries)),
			entAns:  make([]float32, len(ix.entries)),
			entRec:  make([]float32, len(ix.entries)),
		}
	}
	defer ix.pool.Put(s)

	s.tokens = tokenize(ix.norm.Normalize(query), ix.words, false, s.tokens)
	s.features = featureKeys(s.tokens, s.features, ix.opts.SkipWeight > 0)
	var wq float32
	s.docSeen, s.entSeen = s.docSeen[:0], s.entSeen[:0]
	for _, key := range s.features {
		f, ok := ix.feat[key]
		if !ok {
			wq += ix.oovWeight(key)
			continue
		}
		w := ix.weight(key, ix.idf[f])
		wq += w
		for _, d := range ix.docPost[f] {
			if s.docAcc[d] == 0 {
				s.docSeen = append(s.docSeen, d)
			}
			s.docAcc[d] += w
		}
		for _, e := range ix.entPost[f] {
			s.entRec[e] += w
		}
		if ix.opts.AnswerWeight > 0 {
			for _, e := range ix.ansPost[f] {
				if s.entAns[e] == 0 && s.entBest[e] == 0 {
					s.entSeen = append(s.entSeen, e)
				}
				s.entAns[e] += w
			}
		}
	}
	if wq == 0 {
		ix.clear(s)
		return nil
	}
	beta2 := float32(ix.opts.Beta * ix.opts.Beta)
	for _, d := range s.docSeen {
		// F-beta of precision (matched/doc weight) and recall (matched/query
		// weight): a self-normalised score, 1 for an exact phrasing.
		sim := (1 + beta2) * s.docAcc[d] / (beta2*wq + ix.docW[d])
		e := ix.docEntry[d]
		if s.entBest[e] == 0 && s.entAns[e] == 0 {
			s.entSeen = append(s.entSeen, e)
		}
		if sim > s.entBest[e] {
			s.entBest[e] = sim
			s.entDoc[e] = d
		}
	}
	top := make([]Candidate, 0, k)
	aw := float32(ix.opts.AnswerWeight)
	for _, e := range s.entSeen {
		rw := float32(ix.opts.RecallWeight)
		score := (1-rw)*s.entBest[e] + rw*s.entRec[e]/wq + aw*s.entAns[e]/wq
		if s.entBest[e] == 0 {
			continue // only the answer mentions the words: never enough alone
		}
		top = insertTop(top, k, Candidate{Entry: &ix.entries[e], Score: float64(score), Matched: ix.docText[s.entDoc[e]], pos: int(e)})
	}
	ix.clear(s)
	// Rank on the raw mix, but report a confidence in [0,1]: the answer text can
	// push an exact phrasing's mix above its self-match of 1.
	for i := range top {
		top[i].Score = math.Min(1, top[i].Score)
	}
	return top
}

func (ix *Index) clear(s *scratch) {
	for _, d := range s.docSeen {
		s.docAcc[d] = 0
	}
	for _, e := range s.entSeen {
		s.entBest[e], s.entAns[e], s.entRec[e] = 0, 0, 0
	}
}

// insertTop keeps the k best candidates, ties broken by KB order for stable results.
func insertTop(top []Candidate, k int, c Candidate) []Candidate {
	i := len(top)
	for i > 0 && better(c, top[i-1]) {
		i--
	}
	if i >= k {
		return top
	}
	if len(top) < k {
		top = append(top, Candidate{})
	}
	copy(top[i+1:], top[i:])
	top[i] = c
	return top
}

func better(a, b Candidate) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	return a.pos < b.pos
}
