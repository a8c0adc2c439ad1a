package knowledge

import (
	"fmt"
	"math"
	"sync"
)

// Options tune retrieval. The zero value is not useful; start from DefaultOptions.
type Options struct {
	Policy Policy `json:"policy" yaml:"policy"`
	// UnigramWeight scales single-character features relative to bigrams:
	// characters alone say little in Chinese, pairs carry the words.
	UnigramWeight float64 `json:"unigram_weight" yaml:"unigram_weight"`
	// Beta > 1 favours covering the query over covering the indexed phrasing.
	Beta float64 `json:"beta" yaml:"beta"`
	// AnswerWeight is how much matching words of the answer text add to the
	// confidence; low, because answers mention many topics in passing.
	AnswerWeight float64 `json:"answer_weight" yaml:"answer_weight"`
	// RecallWeight mixes in how much of the query the entry's phrasings cover
	// together (the rest of the weight goes to the best single phrasing's F-score).
	RecallWeight float64 `json:"recall_weight" yaml:"recall_weight"`
	// IDFPower sharpens IDF weights (w = idf^p): >1 lets the rare words that
	// carry a question's topic dominate the common "怎么/企业微信" scaffolding.
	IDFPower float64 `json:"idf_power" yaml:"idf_power"`
	// OOVBigramWeight scales a query bigram the KB never uses. Most are junctions
	// between two words ("脑怎" in "电脑怎么"), not topics; an unknown topic word
	// still weighs fully through its unknown characters.
	OOVBigramWeight float64 `json:"oov_bigram_weight" yaml:"oov_bigram_weight"`
	// ContextWeight scales, in the query total an entry has to cover, the
	// features of context words (我们部门, 昨天, 一直…); 1 treats them like any word.
	ContextWeight float64 `json:"context_weight" yaml:"context_weight"`
	// ConfRecallWeight and ConfAnswerWeight mix the confidence the policy
	// sees: the best phrasing's coverage (how much of it the query contains),
	// plus this much of the query the entry's phrasings and answer cover. Lower
	// than the ranking weights, so a long message is not judged by its length.
	ConfRecallWeight float64 `json:"conf_recall_weight" yaml:"conf_recall_weight"`
	ConfAnswerWeight float64 `json:"conf_answer_weight" yaml:"conf_answer_weight"`
	// ShortQueryLift caps how far the ranking mix may lift the confidence
	// above the share of the matched phrasing the query covers.
	ShortQueryLift float64 `json:"short_query_lift" yaml:"short_query_lift"`
	// SkipWeight scales skip-bigram features (0 disables them).
	SkipWeight float64 `json:"skip_weight" yaml:"skip_weight"`
	// AnswerRunes limits how much of each answer is indexed.
	AnswerRunes int `json:"answer_runes" yaml:"answer_runes"`
	// FusionWeight is how much the Naive Bayes classifier (classifier.go)
	// counts when its ranking is fused with the lexical one; 0 disables it.
	FusionWeight float64 `json:"fusion_weight" yaml:"fusion_weight"`
	// FusionRRF fuses by reciprocal rank (1/(60+rank)) instead of adding
	// FusionWeight × the classifier's posterior to the lexical rank score.
	FusionRRF bool `json:"fusion_rrf" yaml:"fusion_rrf"`
	// NBAlpha is the classifier's additive smoothing; NBAnswerWeight how much
	// an answer counts as a training text next to a phrasing (1);
	// NBTemperature softens its (overconfident) posteriors.
	NBAlpha        float64 `json:"nb_alpha" yaml:"nb_alpha"`
	NBAnswerWeight float64 `json:"nb_answer_weight" yaml:"nb_answer_weight"`
	NBTemperature  float64 `json:"nb_temperature" yaml:"nb_temperature"`
	// AgreeTemperature is the (sharper) temperature of the posterior the
	// policy's agreement evidence uses; 0 means NBTemperature.
	AgreeTemperature float64 `json:"agree_temperature" yaml:"agree_temperature"`
	// Calibrate moves the suggest threshold to the KB being loaded (see
	// calibrate.go) unless its kb.yaml sets suggest_threshold. Only LoadIndex
	// and KB.IndexOptions apply it; BuildIndex takes the policy as given.
	Calibrate bool `json:"calibrate" yaml:"calibrate"`
}

// DefaultOptions are the tuned defaults (see kb eval and quality_test.go).
func DefaultOptions() Options {
	return Options{
		Policy:           DefaultPolicy(),
		UnigramWeight:    1.0,
		Beta:             0.3,
		AnswerWeight:     0.4,
		RecallWeight:     0.6,
		IDFPower:         2,
		OOVBigramWeight:  0.5,
		SkipWeight:       0,
		ContextWeight:    0,
		ConfRecallWeight: 0.2,
		ConfAnswerWeight: 0.2,
		ShortQueryLift:   0.2,
		AnswerRunes:      300,
		FusionWeight:     0.02,
		NBAlpha:          0.01,
		NBAnswerWeight:   0.5,
		NBTemperature:    30,
		AgreeTemperature: 10,
		Calibrate:        true,
	}
}

// Index is an immutable, searchable knowledge base. Build a new one to change it.
type Index struct {
	entries []Entry
	syn     SynonymTable // kept to build sub-indexes (semantic_check.go)
	norm    *Normalizer
	context contextMatcher
	words   wordVocab
	opts    Options

	feat     map[uint64]int32 // feature key → feature number
	idf      []float32        // per feature, computed over entries
	oovIDF   float32          // weight of a query feature the KB never uses
	docPost  [][]int32        // feature → phrasing docs containing it
	ansPost  [][]int32        // feature → entries whose answer contains it
	entPost  [][]int32        // feature → entries with a phrasing containing it
	docEntry []int32          // phrasing doc → entry
	docW     []float32        // phrasing doc → total feature weight
	docText  []string         // phrasing doc → original phrasing (for display)
	clf      *classifier      // the second ranker; nil when FusionWeight is 0
	cal      Calibration      // how the suggest threshold was adapted (LoadIndex)
	acts     *actionMatcher   // opposite actions (opposites.go); nil: none
	entActs  [][]int32        // entry → pair sides its phrasings name

	pool sync.Pool // *scratch
}

type scratch struct {
	norm     string // the normalised query
	docAcc   []float32
	docSeen  []int32
	entBest  []float32
	entDoc   []int32
	entAns   []float32
	entRec   []float32
	entCover []float32 // best share of one phrasing the query contains
	entSeen  []int32
	tokens   []uint32
	features []uint64
	mask     []bool
	ctx      []bool
	nbAcc    []float32 // per entry: the classifier's log-likelihood gain
	nbSeen   []int32
	nbFeats  []uint64
	nbCtx    []bool
	nbQW     []float32
}

// BuildIndex indexes entries with the synonym table. Entry IDs must be unique.
func BuildIndex(entries []Entry, syn SynonymTable, opts Options) (*Index, error) {
	ix := &Index{
		entries: entries,
		syn:     syn,
		norm:    NewNormalizer(syn),
		words:   wordVocab{},
		opts:    opts,
		feat:    map[uint64]int32{},
	}
	ix.context = newContextMatcher(contextPhrases, ix.norm)
	ids := make(map[string]int, len(entries))
	var (
		tokens []uint32
		keys   []uint64
		df     []int32
		lastE  []int32 // feature → last entry counted in df
	)
	featureID := func(k uint64) int32 {
		f, ok := ix.feat[k]
		if !ok {
			f = int32(len(ix.docPost))
			ix.feat[k] = f
			ix.docPost = append(ix.docPost, nil)
			ix.ansPost = append(ix.ansPost, nil)
			ix.entPost = append(ix.entPost, nil)
			df = append(df, 0)
			lastE = append(lastE, -1)
		}
		return f
	}
	docFeats := [][]int32{}
	var nb *classifierBuilder
	var nbKeys []uint64
	if opts.FusionWeight > 0 {
		nb = newClassifierBuilder(opts.NBAlpha)
	}
	for ei := range entries {
		e := &entries[ei]
		if first, dup := ids[e.ID]; dup {
			return nil, fmt.Errorf("重复的条目 ID %q（%s 与 %s）", e.ID, entries[first].Source, e.Source)
		}
		ids[e.ID] = ei
		for _, ph := range e.Phrasings() {
			tokens = tokenize(ix.norm.Normalize(ph), ix.words, true, tokens)
			if nb != nil {
				nbKeys = nb.add(ei, tokens, 1, nbKeys)
			}
			keys = featureKeys(tokens, keys, opts.SkipWeight > 0)
			if len(keys) == 0 {
				continue
			}
			doc := int32(len(ix.docEntry))
			fs := make([]int32, 0, len(keys))
			for _, k := range keys {
				f := featureID(k)
				if !containsInt32(fs, f) {
					fs = append(fs, f)
					ix.docPost[f] = append(ix.docPost[f], doc)
				}
				if lastE[f] != int32(ei) {
					lastE[f] = int32(ei)
					df[f]++
					ix.entPost[f] = append(ix.entPost[f], int32(ei))
				}
			}
			ix.docEntry = append(ix.docEntry, int32(ei))
			ix.docText = append(ix.docText, ph)
			docFeats = append(docFeats, fs)
		}
		nbAnswer := nb != nil && opts.NBAnswerWeight > 0
		if opts.AnswerWeight > 0 || nbAnswer {
			tokens = tokenize(ix.norm.Normalize(truncateRunes(e.Answer, opts.AnswerRunes)), ix.words, true, tokens)
			if nbAnswer {
				nbKeys = nb.add(ei, tokens, float32(opts.NBAnswerWeight), nbKeys)
			}
		}
		if opts.AnswerWeight > 0 {
			keys = featureKeys(tokens, keys, opts.SkipWeight > 0)
			for _, k := range keys {
				f := featureID(k)
				if p := ix.ansPost[f]; len(p) == 0 || p[len(p)-1] != int32(ei) {
					ix.ansPost[f] = append(ix.ansPost[f], int32(ei))
				}
			}
		}
	}
	if nb != nil {
		ix.clf = nb.finish(len(entries))
	}
	n := float64(len(entries))
	ix.idf = make([]float32, len(df))
	for f, d := range df {
		ix.idf[f] = ix.sharpen(math.Log(1 + (n-float64(d)+0.5)/(float64(d)+0.5)))
	}
	ix.oovIDF = ix.sharpen(math.Log(1 + (n+0.5)/0.5))
	keyOf := make([]uint64, len(ix.docPost))
	for k, f := range ix.feat {
		keyOf[f] = k
	}
	ix.docW = make([]float32, len(docFeats))
	for d, fs := range docFeats {
		var w float32
		for _, f := range fs {
			w += ix.weight(keyOf[f], ix.idf[f])
		}
		ix.docW[d] = w
	}
	ix.indexActions(syn.Opposites)
	return ix, nil
}

// weight is a feature's contribution: its IDF, scaled down for unigrams of
// Chinese characters (ASCII words count like bigrams).
func (ix *Index) weight(key uint64, idf float32) float32 {
	switch {
	case isUnigram(key):
		if !isWordToken(uint32(key >> 32)) {
			return idf * float32(ix.opts.UnigramWeight)
		}
	case isSkip(key):
		return idf * float32(ix.opts.SkipWeight)
	}
	return idf
}

func (ix *Index) sharpen(idf float64) float32 {
	if p := ix.opts.IDFPower; p > 0 && p != 1 {
		return float32(math.Pow(idf, p))
	}
	return float32(idf)
}

// oovWeight is the weight of a query feature absent from the KB.
func (ix *Index) oovWeight(key uint64) float32 {
	w := ix.weight(key, ix.oovIDF)
	if !isUnigram(key) {
		w *= float32(ix.opts.OOVBigramWeight)
	}
	return w
}

// Len is the number of entries.
func (ix *Index) Len() int { return len(ix.entries) }

// Entries returns the indexed entries (do not modify).
func (ix *Index) Entries() []Entry { return ix.entries }

// Entry returns an entry by ID.
func (ix *Index) Entry(id string) (*Entry, bool) {
	for i := range ix.entries {
		if ix.entries[i].ID == id {
			return &ix.entries[i], true
		}
	}
	return nil, false
}

// Options returns the options the index was built with.
func (ix *Index) Options() Options { return ix.opts }

// Calibration is how LoadIndex adapted the suggest threshold to this KB (zero
// for an index built directly with BuildIndex).
func (ix *Index) Calibration() Calibration { return ix.cal }

// Normalize exposes the index's normaliser (synonyms included).
func (ix *Index) Normalize(s string) string { return ix.norm.Normalize(s) }

func containsInt32(s []int32, v int32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func truncateRunes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}
