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

	pos  int     // entry position in the KB, for stable tie-breaking
	rank float64 // what candidates are ordered by (may differ from Score)
	// match is the best phrasing's own F-score (1: the query is that
	// phrasing), without the recall and answer evidence Score mixes in.
	match float64

	// Set when the classifier's ranking was fused in (fusion.go).
	fused  bool
	agree  bool    // top of both the lexical and the classifier ranking
	nbProb float64 // the classifier's posterior for this entry
	// agreeProb is, when agree, the classifier's sharper posterior for it.
	agreeProb float64

	// gate is the confidence the suggest-or-decline decision sees when
	// gated (the Index sets it; other retrievers leave Score to decide).
	gate  float64
	gated bool

	// opposite: the entry's phrasings name only the reverse of an action the
	// query names (opposites.go); the policy never answers it outright.
	// sameAction: they name the query's action.
	opposite, sameAction bool
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

// prepareQuery fills s.features (and, when context words weigh less, s.ctx)
// for the query and returns the context weight.
func (ix *Index) prepareQuery(s *scratch, query string) float32 {
	s.norm = ix.norm.Normalize(query)
	s.tokens = tokenize(s.norm, ix.words, false, s.tokens)
	cxw := float32(ix.opts.ContextWeight)
	if cxw < 1 {
		s.mask = ix.context.mark(s.tokens, s.mask)
		s.features, s.ctx = maskedFeatureKeys(s.tokens, s.mask, s.features, s.ctx, ix.opts.SkipWeight > 0)
	} else {
		s.features = featureKeys(s.tokens, s.features, ix.opts.SkipWeight > 0)
	}
	return cxw
}

// queryFeature looks up query feature i: its index feature (ok false when
// the KB never uses it), its weight in matches, and what it adds to the
// query's total. Context words weigh little in what an entry must cover, but
// count in full when it does cover them.
func (ix *Index) queryFeature(s *scratch, i int, key uint64, cxw float32) (f int32, w, qw float32, ok bool) {
	scale := float32(1)
	if cxw < 1 && s.ctx[i] {
		scale = cxw
	}
	f, ok = ix.feat[key]
	if !ok {
		return 0, 0, scale * ix.oovWeight(key), false
	}
	w = ix.weight(key, ix.idf[f])
	return f, w, scale * w, true
}

// rank returns the top k candidates, best first.
func (ix *Index) rank(query string, k int) []Candidate {
	s, _ := ix.pool.Get().(*scratch)
	if s == nil || len(s.docAcc) != len(ix.docEntry) {
		s = &scratch{
			docAcc:   make([]float32, len(ix.docEntry)),
			entBest:  make([]float32, len(ix.entries)),
			entDoc:   make([]int32, len(ix.entries)),
			entAns:   make([]float32, len(ix.entries)),
			entRec:   make([]float32, len(ix.entries)),
			entCover: make([]float32, len(ix.entries)),
		}
	}
	defer ix.pool.Put(s)

	cxw := ix.prepareQuery(s, query)
	var wq float32
	s.docSeen, s.entSeen = s.docSeen[:0], s.entSeen[:0]
	for i, key := range s.features {
		f, w, qw, ok := ix.queryFeature(s, i, key, cxw)
		wq += qw
		if !ok {
			continue
		}
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
		sim = min(sim, 1)
		e := ix.docEntry[d]
		if s.entBest[e] == 0 && s.entAns[e] == 0 {
			s.entSeen = append(s.entSeen, e)
		}
		if cov := min(1, s.docAcc[d]/ix.docW[d]); cov > s.entCover[e] {
			s.entCover[e] = cov
		}
		if sim > s.entBest[e] {
			s.entBest[e] = sim
			s.entDoc[e] = d
		}
	}
	depth, capacity := k, k
	if ix.clf != nil {
		// room for the classifier's shortlist too
		depth = max(k, fuseDepth)
		capacity = depth + fuseDepth
	}
	top := make([]Candidate, 0, capacity)
	for _, e := range s.entSeen {
		if s.entBest[e] == 0 {
			continue // only the answer mentions the words: never enough alone
		}
		// Most seen entries cannot enter a full shortlist: check their rank
		// before building a candidate.
		if len(top) == depth && !outranks(float64(ix.lexRank(s, e, wq)), int(e), top[depth-1]) {
			continue
		}
		top = insertTop(top, depth, ix.lexCandidate(s, e, wq))
	}
	if ix.clf != nil && len(top) > 0 {
		top = ix.fuse(s, top, k, wq)
	}
	if ix.acts != nil {
		ix.markOpposites(ix.queryActions(s.norm), top)
	}
	ix.clear(s)
	// Report a confidence in [0,1]: the answer text can push an exact
	// phrasing's mix above its self-match of 1.
	for i := range top {
		top[i].Score = math.Min(1, top[i].Score)
		top[i].gate = math.Min(1, top[i].gate)
	}
	return top
}

// lexRank is the ranking mix of entry e: its best phrasing's F-score, how
// much of the query its phrasings and its answer cover.
func (ix *Index) lexRank(s *scratch, e int32, wq float32) float32 {
	rw, aw := float32(ix.opts.RecallWeight), float32(ix.opts.AnswerWeight)
	rec, ans := min(1, s.entRec[e]/wq), min(1, s.entAns[e]/wq)
	return (1-rw)*s.entBest[e] + rw*rec + aw*ans
}

// lexCandidate scores entry e from the lexical accumulators.
func (ix *Index) lexCandidate(s *scratch, e int32, wq float32) Candidate {
	o := &ix.opts
	crw, caw := float32(o.ConfRecallWeight), float32(o.ConfAnswerWeight)
	rec, ans := min(1, s.entRec[e]/wq), min(1, s.entAns[e]/wq)
	// Ranking and confidence mix the same evidence differently: what the
	// query covers orders close entries well, while what the matched
	// phrasing covers says "this is the question" whatever the length.
	rank := ix.lexRank(s, e, wq)
	conf := (1-crw)*s.entCover[e] + crw*rec + caw*ans
	// A short query that matches well by the ranking mix keeps that
	// confidence for choosing the answer; whether to offer anything at all
	// lets it count only so far above what the query covers of the phrasing:
	// two matched characters of a long question ("今天几号了") prove little.
	gate := max(conf, min(rank, s.entCover[e]+float32(o.ShortQueryLift)))
	conf = max(conf, rank)
	return Candidate{Entry: &ix.entries[e], Score: float64(conf), rank: float64(rank), Matched: ix.docText[s.entDoc[e]], pos: int(e),
		gate: float64(gate), gated: true, match: float64(s.entBest[e])}
}

func (ix *Index) clear(s *scratch) {
	for _, d := range s.docSeen {
		s.docAcc[d] = 0
	}
	for _, e := range s.entSeen {
		s.entBest[e], s.entAns[e], s.entRec[e], s.entCover[e] = 0, 0, 0, 0
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

func better(a, b Candidate) bool { return outranks(a.rank, a.pos, b) }

// outranks reports whether an entry at pos with this rank sorts before b.
func outranks(rank float64, pos int, b Candidate) bool {
	if rank != b.rank {
		return rank > b.rank
	}
	return pos < b.pos
}
