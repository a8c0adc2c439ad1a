package knowledge

import (
	"math"
	"sort"
)

// lexCandidateFor scores one entry for the query the way rank scores its
// candidates — the same query features and weights, the same accumulators,
// then lexCandidate — for entries another ranker brings in (semantic.go).
// rank only scores the entries it keeps, and its accumulators are gone when
// it returns; this recomputes them for one entry from the posting lists.
// TestLexCandidateForMatchesRank keeps the two in step: it fails when the
// query side of rank changes and this copy does not.
//
// s holds entry-sized accumulators between calls (sized here on first use).
// The candidate's classifier fields are left unset (it was not in the lexical
// shortlist); fused is set when the index has a classifier, like rank's.
func (ix *Index) lexCandidateFor(query string, e int32, s *scratch) Candidate {
	if n := len(ix.entries); len(s.entBest) != n {
		s.entBest = make([]float32, n)
		s.entDoc = make([]int32, n)
		s.entAns = make([]float32, n)
		s.entRec = make([]float32, n)
		s.entCover = make([]float32, n)
	}
	cxw := ix.prepareQuery(s, query)
	// The entry's phrasing documents are contiguous (built in entry order).
	lo := sort.Search(len(ix.docEntry), func(i int) bool { return ix.docEntry[i] >= e })
	hi := sort.Search(len(ix.docEntry), func(i int) bool { return ix.docEntry[i] > e })
	if cap(s.docAcc) < hi-lo {
		s.docAcc = make([]float32, hi-lo)
	}
	acc := s.docAcc[:hi-lo]
	clear(acc)
	var wq, rec, ans float32
	for i, key := range s.features {
		f, w, qw, ok := ix.queryFeature(s, i, key, cxw)
		wq += qw
		if !ok {
			continue
		}
		for d := lo; d < hi; d++ {
			if postingHas(ix.docPost[f], int32(d)) {
				acc[d-lo] += w
			}
		}
		if postingHas(ix.entPost[f], e) {
			rec += w
		}
		if ix.opts.AnswerWeight > 0 && postingHas(ix.ansPost[f], e) {
			ans += w
		}
	}
	c := Candidate{Entry: &ix.entries[e], pos: int(e), fused: ix.clf != nil}
	if wq == 0 {
		return c
	}
	beta2 := float32(ix.opts.Beta * ix.opts.Beta)
	var best, cover float32
	bestDoc := int32(-1)
	for d := lo; d < hi; d++ {
		a := acc[d-lo]
		if a == 0 {
			continue
		}
		sim := min(1, (1+beta2)*a/(beta2*wq+ix.docW[d]))
		cover = max(cover, min(1, a/ix.docW[d]))
		if sim > best {
			best, bestDoc = sim, int32(d)
		}
	}
	s.entBest[e], s.entAns[e], s.entRec[e], s.entCover[e] = best, ans, rec, cover
	s.entDoc[e] = max(bestDoc, 0)
	lc := ix.lexCandidate(s, e, wq)
	s.entBest[e], s.entAns[e], s.entRec[e], s.entCover[e], s.entDoc[e] = 0, 0, 0, 0, 0
	lc.fused = c.fused
	lc.Score = math.Min(1, lc.Score)
	if bestDoc < 0 {
		lc.Matched = "" // no phrasing shares a word: the caller names one
	}
	return lc
}

// postingHas reports whether the ascending posting list holds v.
func postingHas(post []int32, v int32) bool {
	i := sort.Search(len(post), func(i int) bool { return post[i] >= v })
	return i < len(post) && post[i] == v
}
