package knowledge

import (
	"math"
)

// fuseDepth is how many candidates of each ranker are fused.
const fuseDepth = 10

// rrfK is the usual reciprocal-rank-fusion constant.
const rrfK = 60

// fuse re-ranks the lexical candidates (best first, up to fuseDepth) with the
// classifier's ranking and returns the best k. It runs before the lexical
// accumulators are cleared, so entries only the classifier ranks high can
// still get their lexical confidence.
func (ix *Index) fuse(s *scratch, lex []Candidate, k int, wq float32) []Candidate {
	o := &ix.opts
	var mask []bool
	cxw := float32(o.ContextWeight)
	if cxw < 1 {
		mask = s.mask
	}
	s.nbFeats, s.nbCtx = nbFeatureKeys(s.tokens, mask, s.nbFeats, s.nbCtx)
	s.nbQW = s.nbQW[:0]
	for i := range s.nbFeats {
		w := float32(1)
		if mask != nil && s.nbCtx[i] {
			w = cxw
		}
		s.nbQW = append(s.nbQW, w)
	}
	if len(s.nbAcc) != len(ix.entries) {
		s.nbAcc = make([]float32, len(ix.entries))
	}
	var qk float32
	s.nbSeen, qk = ix.clf.score(s.nbFeats, s.nbQW, s.nbAcc, s.nbSeen)
	defer func() {
		for _, c := range s.nbSeen {
			s.nbAcc[c] = 0
		}
	}()
	if len(s.nbSeen) == 0 {
		return lex[:min(k, len(lex))]
	}
	// Log-likelihoods (uniform prior) of every entry that shares a feature
	// with the query, for the posterior; the classifier's shortlist keeps
	// only entries that share a phrasing feature (the lexical candidates: an
	// entry only its answer ties to the query is never one).
	temp := float32(o.NBTemperature)
	if temp <= 0 {
		temp = 1
	}
	var nbTop [fuseDepth]int32
	n := 0
	bestLL := float32(math.Inf(-1))
	for _, c := range s.nbSeen {
		ll := qk*ix.clf.base[c] + s.nbAcc[c]
		s.nbAcc[c] = ll
		bestLL = max(bestLL, ll)
		if s.entBest[c] == 0 {
			continue
		}
		// insertion into the shortlist, ties by KB order
		i := n
		for i > 0 && (ll > s.nbAcc[nbTop[i-1]] || ll == s.nbAcc[nbTop[i-1]] && c < nbTop[i-1]) {
			i--
		}
		if i >= fuseDepth {
			continue
		}
		if n < fuseDepth {
			n++
		}
		copy(nbTop[i+1:n], nbTop[i:n-1])
		nbTop[i] = c
	}
	if n == 0 {
		return lex[:min(k, len(lex))]
	}
	// Two posteriors: a soft one to mix into the ranking, a sharper one for
	// the policy's agreement evidence. Entries more than 40 temperatures
	// behind the best add < e^-40 to a sum that includes 1: skipped.
	atemp := float32(o.AgreeTemperature)
	if atemp <= 0 {
		atemp = temp
	}
	// The sharper one is only read for an entry both rankers put first.
	agreeable := int(nbTop[0]) == lex[0].pos
	var z, za float64
	for _, c := range s.nbSeen {
		d := bestLL - s.nbAcc[c]
		if d < 40*temp {
			z += math.Exp(float64(-d / temp))
		}
		if agreeable && d < 40*atemp {
			za += math.Exp(float64(-d / atemp))
		}
	}
	prob := func(c int32, t float32, z float64) float64 {
		if s.nbAcc[c] == 0 { // shares no weighted feature with the query
			return 0
		}
		return math.Exp(float64((s.nbAcc[c]-bestLL)/t)) / z
	}

	cands := lex
	for _, c := range nbTop[:n] {
		if s.entBest[c] == 0 || containsEntry(cands, int(c)) {
			continue
		}
		cands = append(cands, ix.lexCandidate(s, c, wq))
	}
	w := o.FusionWeight
	for i := range cands {
		c := &cands[i]
		lexPos := len(lex) + 1
		if i < len(lex) {
			lexPos = i + 1
		}
		nbPos := n + 1
		for j, e := range nbTop[:n] {
			if int(e) == c.pos {
				nbPos = j + 1
				break
			}
		}
		c.fused = true
		c.agree = lexPos == 1 && nbPos == 1
		c.nbProb = prob(int32(c.pos), temp, z)
		if c.agree {
			c.agreeProb = prob(int32(c.pos), atemp, za)
		}
		if o.FusionRRF {
			c.rank = 1/float64(rrfK+lexPos) + w/float64(rrfK+nbPos)
		} else {
			c.rank += w * c.nbProb
		}
	}
	for i := 1; i < len(cands); i++ {
		for j := i; j > 0 && better(cands[j], cands[j-1]); j-- {
			cands[j], cands[j-1] = cands[j-1], cands[j]
		}
	}
	return cands[:min(k, len(cands))]
}

func containsEntry(cs []Candidate, pos int) bool {
	for _, c := range cs {
		if c.pos == pos {
			return true
		}
	}
	return false
}
