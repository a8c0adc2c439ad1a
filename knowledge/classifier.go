package knowledge

import (
	"math"
	"sort"
)

// A second, different ranker: a multinomial Naive Bayes classifier over the
// KB's entries (Rennie et al.'s TF-IDF + length-normalised variant), trained
// at index build on each entry's question and similar phrasings (and its
// answer at a low weight). Its character 1-, 2- and 3-gram features and
// log-probability scoring reward rare shared n-grams differently from the
// lexical coverage scores, so the two err on different queries; fused, they
// rank better, and their agreement on the top entry is evidence for the
// policy.

// trigramFlag marks a hashed trigram key; unigram and bigram keys never set
// the top bit (token IDs stay below 2^31).
const trigramFlag = 1 << 63

func trigramKey(a, b, c uint32) uint64 {
	h := uint64(a)*0x9E3779B97F4A7C15 ^ uint64(b)*0xC2B2AE3D27D4EB4F ^ uint64(c)*0x165667B19E3779F9
	h ^= h >> 29
	return h | trigramFlag
}

// nbPost is one class holding a feature, with its log-likelihood gain
// log(1 + N_cf/α) over an unseen feature.
type nbPost struct {
	class int32
	gain  float32
}

type classifier struct {
	feat  map[uint64]int32
	idf   []float32
	post  [][]nbPost
	base  []float32 // per class: log(α / (N_c + α·V)), an unseen feature's log θ
	alpha float64
}

type nbDoc struct {
	class  int32
	weight float32
	feats  []int32
}

// classifierBuilder collects training documents during BuildIndex.
type classifierBuilder struct {
	m    *classifier
	docs []nbDoc
	df   []int32
	last []int32 // feature → last class counted in df
}

func newClassifierBuilder(alpha float64) *classifierBuilder {
	return &classifierBuilder{m: &classifier{feat: map[uint64]int32{}, alpha: alpha}}
}

// add records one training text of class c (tokens already normalised).
func (b *classifierBuilder) add(c int, tokens []uint32, weight float32, keys []uint64) []uint64 {
	keys, _ = nbFeatureKeys(tokens, nil, keys, nil)
	if len(keys) == 0 {
		return keys
	}
	fs := make([]int32, 0, len(keys))
	for _, k := range keys {
		f, ok := b.m.feat[k]
		if !ok {
			f = int32(len(b.df))
			b.m.feat[k] = f
			b.df = append(b.df, 0)
			b.last = append(b.last, -1)
		}
		if b.last[f] != int32(c) {
			b.last[f] = int32(c)
			b.df[f]++
		}
		fs = append(fs, f)
	}
	b.docs = append(b.docs, nbDoc{class: int32(c), weight: weight, feats: fs})
	return keys
}

// finish turns the documents into per-class log-likelihoods: each document's
// TF-IDF vector is L2-normalised (so long answers do not dominate) and scaled
// by its weight before it is added to its class's counts.
func (b *classifierBuilder) finish(classes int) *classifier {
	m := b.m
	nf := len(b.df)
	m.idf = make([]float32, nf)
	for f, d := range b.df {
		m.idf[f] = float32(math.Log(float64(classes+1) / (float64(d) + 0.5)))
	}
	// Per class, dense counts over the features its documents touch; classes
	// are finished in order, so each posting list comes out sorted by class.
	sort.SliceStable(b.docs, func(i, j int) bool { return b.docs[i].class < b.docs[j].class })
	m.post = make([][]nbPost, nf)
	av := m.alpha * float64(nf)
	m.base = make([]float32, classes)
	for c := range m.base {
		m.base[c] = float32(math.Log(m.alpha / av)) // a class with no training text
	}
	acc := make([]float32, nf)
	mark := b.last // reused: feature → last class that touched it (+1)
	clear(mark)
	var touched []int32
	flush := func(c int32, total float64) {
		m.base[c] = float32(math.Log(m.alpha / (total + av)))
		for _, f := range touched {
			m.post[f] = append(m.post[f], nbPost{class: c, gain: float32(math.Log1p(float64(acc[f]) / m.alpha))})
			acc[f] = 0
		}
		touched = touched[:0]
	}
	var total float64
	cur := int32(-1)
	for _, d := range b.docs {
		if d.class != cur {
			if cur >= 0 {
				flush(cur, total)
			}
			cur, total = d.class, 0
		}
		var norm float64
		for _, f := range d.feats {
			norm += float64(m.idf[f]) * float64(m.idf[f])
		}
		if norm == 0 {
			continue
		}
		scale := d.weight / float32(math.Sqrt(norm))
		for _, f := range d.feats {
			if mark[f] != d.class+1 {
				mark[f] = d.class + 1
				touched = append(touched, f)
			}
			x := m.idf[f] * scale
			acc[f] += x
			total += float64(x)
		}
	}
	if cur >= 0 {
		flush(cur, total)
	}
	b.docs, b.df, b.last = nil, nil, nil
	return m
}

// nbFeatureKeys appends unigram (non-stop), bigram and trigram keys, with a
// context flag per key like maskedFeatureKeys. Trigrams are not deduplicated:
// a repeat counts as term frequency.
func nbFeatureKeys(tokens []uint32, mask []bool, out []uint64, ctx []bool) ([]uint64, []bool) {
	out, ctx = maskedFeatureKeys(tokens, mask, out, ctx, false)
	for i := 2; i < len(tokens); i++ {
		out = append(out, trigramKey(tokens[i-2], tokens[i-1], tokens[i]))
		if mask != nil {
			ctx = append(ctx, mask[i-2] || mask[i-1] || mask[i])
		}
	}
	return out, ctx
}

// score adds each class's log-likelihood of the query features (feats, with
// per-feature weights qw) into acc for the classes that share a feature, and
// returns those classes. acc must be zero on entry for every class.
func (m *classifier) score(feats []uint64, qw []float32, acc []float32, seen []int32) ([]int32, float32) {
	seen = seen[:0]
	var qk float32 // total weight of known query features
	for i, k := range feats {
		f, ok := m.feat[k]
		if !ok {
			continue
		}
		w := qw[i] * m.idf[f]
		if w == 0 {
			continue
		}
		qk += w
		for _, p := range m.post[f] {
			if acc[p.class] == 0 {
				seen = append(seen, p.class)
			}
			acc[p.class] += w * p.gain
		}
	}
	return seen, qk
}
