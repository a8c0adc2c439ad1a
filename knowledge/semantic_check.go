package knowledge

import "fmt"

// FusionCheck is what BuildSemantic measured on the KB's own phrasings before
// serving fused results: every entry indexed with half of its phrasings, the
// other half asked, ranked by the lexical index alone and with the embedding
// ranking fused in. It needs no labelled queries and no extra embedding calls
// (the asked phrasings are already embedded).
//
// A weak embedding model makes the ranking worse, not better: averaged
// 100-dimension Chinese word2vec vectors cost 4–11 points of hit@1 on the
// demo KB's dev query sets, and the check saw the same. So fusion only
// serves when it is not worse than the lexical ranking on the KB's own
// phrasings (SemanticOptions.AlwaysFuse overrides this).
type FusionCheck struct {
	Asked       int     `json:"asked"`
	LexicalHit1 float64 `json:"lexical_hit_at_1"`
	FusedHit1   float64 `json:"fused_hit_at_1"`
	// Fused: fusion serves for this index; Forced: only because
	// SemanticOptions.AlwaysFuse says so.
	Fused  bool `json:"fused"`
	Forced bool `json:"forced"`
}

const (
	// fusionCheckTolerance: a fused hit@1 this much below the lexical one
	// is sampling noise, not harm.
	fusionCheckTolerance = 0.01
	// Sampled so that a large KB checks in about a second even with
	// 1,536-dimension vectors.
	fusionCheckMaxEntries = 1000
	fusionCheckMaxAsked   = 400
	// Fewer asked phrasings than this cannot tell: fusion stays on.
	fusionCheckMinAsked = 30
)

// String is the check for logs and kb eval, in Chinese.
func (c FusionCheck) String() string {
	if c.Asked < fusionCheckMinAsked {
		return fmt.Sprintf("融合自测：相似问法太少（%d 个，至少 %d 个），未自测，融合照常启用", c.Asked, fusionCheckMinAsked)
	}
	verdict := "启用融合"
	switch {
	case c.Forced:
		verdict = "向量排序不如字词检索，仍按配置融合（DELIVERYBOT_EMBED_FUSION=always）"
	case !c.Fused:
		verdict = "向量排序不如字词检索，已停用融合（只用字词检索；DELIVERYBOT_EMBED_FUSION=always 可强制融合）"
	}
	return fmt.Sprintf("融合自测（%d 个相似问法）：字词检索 hit@1 %.3f，融合后 %.3f，%s", c.Asked, c.LexicalHit1, c.FusedHit1, verdict)
}

// checkFusion measures FusionCheck for sm (see there).
func (sm *Semantic) checkFusion() (FusionCheck, error) {
	half, asked, err := sm.halfLayer()
	if err != nil || len(asked) < fusionCheckMinAsked {
		return FusionCheck{Asked: len(asked), Fused: true}, err
	}
	depth := fuseDepth
	var lexHits, fusedHits int
	for _, q := range asked {
		lex := half.ix.rank(q.text, depth)
		if len(lex) == 0 {
			continue // neither ranking answers: Search skips the embedding then
		}
		if lex[0].pos == q.entry {
			lexHits++
		}
		if fused := half.fuse(q.text, lex, q.vec, 1, depth); fused[0].pos == q.entry {
			fusedHits++
		}
	}
	n := float64(len(asked))
	c := FusionCheck{Asked: len(asked), LexicalHit1: round3(float64(lexHits) / n), FusedHit1: round3(float64(fusedHits) / n)}
	passed := c.FusedHit1 >= c.LexicalHit1-fusionCheckTolerance
	c.Fused = passed || sm.opts.AlwaysFuse
	c.Forced = !passed && sm.opts.AlwaysFuse
	return c, nil
}

// heldOutPhrasing is one asked phrasing of the check: its text, the entry
// (in the half layer) it belongs to and its vector.
type heldOutPhrasing struct {
	text  string
	entry int
	vec   []float32
}

// halfLayer builds, from sm's own vectors, a layer over a sample of the
// entries with their even-numbered phrasings, and returns it with the
// odd-numbered phrasings to ask.
func (sm *Semantic) halfLayer() (*Semantic, []heldOutPhrasing, error) {
	rowsOf := make([][]int, len(sm.ix.entries))
	for r, e := range sm.ent {
		rowsOf[e] = append(rowsOf[e], r)
	}
	picked := everyNth(rowsOf, fusionCheckMaxEntries)
	half := &Semantic{opts: sm.opts, dim: sm.dim}
	entries := make([]Entry, 0, len(picked))
	var asked []heldOutPhrasing
	for _, rows := range picked {
		if len(rows) == 0 {
			continue
		}
		ei := len(entries)
		e := sm.ix.entries[sm.ent[rows[0]]]
		e.Question, e.Similar = sm.text[rows[0]], nil
		for i, r := range rows {
			vec := sm.vecs[r*sm.dim : (r+1)*sm.dim]
			if i%2 == 1 {
				asked = append(asked, heldOutPhrasing{text: sm.text[r], entry: ei, vec: vec})
				continue
			}
			if i > 0 {
				e.Similar = append(e.Similar, sm.text[r])
			}
			half.vecs = append(half.vecs, vec...)
			half.ent = append(half.ent, int32(ei))
			half.text = append(half.text, sm.text[r])
		}
		entries = append(entries, e)
	}
	ix, err := BuildIndex(entries, sm.ix.syn, sm.ix.opts)
	if err != nil {
		return nil, nil, err
	}
	half.ix = ix
	return half, everyNth(asked, fusionCheckMaxAsked), nil
}
