package knowledge

// Text is turned into tokens — one per CJK character, one per ASCII word — and
// tokens into features: unigrams and bigrams of adjacent tokens. Separators are
// ignored for bigrams so "vpn 登不上" and "vpn登不上" match alike.

const (
	wordBase  = 0x200000     // token IDs of ASCII words start here (above every rune)
	oovWord   = wordBase - 1 // an ASCII word the index has never seen
	noToken   = 0xFFFFFFFF   // second half of a unigram key
	maxTokens = 128          // longer queries are cut: phone questions are short
)

// stopRunes carry no topic (particles, pronouns, politeness); they give no
// unigram feature but still form bigrams with their neighbours.
var stopRunes = func() map[rune]bool {
	m := map[rune]bool{}
	for _, r := range "的了吗呢啊吧呀哦嘛么我你您请是在有个一下能要想就都也还很和与及或等把被给让" {
		m[r] = true
	}
	return m
}()

// wordVocab assigns token IDs to ASCII words. It grows while an index is built
// and is read-only afterwards.
type wordVocab map[string]uint32

// tokenize splits normalised text into token IDs. add decides whether unseen
// words get a new ID (index build) or map to oovWord (query).
func tokenize(norm string, vocab wordVocab, add bool, out []uint32) []uint32 {
	out = out[:0]
	word := -1 // byte offset where the current ASCII word started
	flush := func(end int) {
		if word < 0 {
			return
		}
		w := norm[word:end]
		id, ok := vocab[w]
		if !ok {
			if add {
				id = wordBase + uint32(len(vocab))
				vocab[w] = id
			} else {
				id = oovWord
			}
		}
		out = append(out, id)
		word = -1
	}
	prevDigit := false
	for i, r := range norm {
		digit := r >= '0' && r <= '9'
		switch {
		case isWordRune(r):
			// Letters and digits are separate words: "errcode60020" → errcode 60020.
			if word >= 0 && digit != prevDigit {
				flush(i)
			}
			if word < 0 {
				word = i
			}
			prevDigit = digit
		case r == ' ':
			flush(i)
		default:
			flush(i)
			out = append(out, uint32(r))
		}
		if len(out) >= maxTokens {
			return out
		}
	}
	flush(len(norm))
	return out
}

func unigramKey(t uint32) uint64   { return uint64(t)<<32 | noToken }
func bigramKey(a, b uint32) uint64 { return uint64(a)<<32 | uint64(b) }
func isUnigram(k uint64) bool      { return uint32(k) == noToken }

// skipFlag marks a skip-bigram (tokens i and i+2): it matches across one
// inserted character, "提个工单" vs "提工单", "打外勤卡" vs "外勤打卡".
const skipFlag = 0x80000000

func skipKey(a, b uint32) uint64 { return uint64(a)<<32 | uint64(b|skipFlag) }
func isSkip(k uint64) bool       { return !isUnigram(k) && uint32(k)&skipFlag != 0 }
func isWordToken(t uint32) bool  { return t >= oovWord }

// featureKeys appends the distinct unigram, bigram (and, with skips, skip-bigram)
// keys of tokens.
func featureKeys(tokens []uint32, out []uint64, skips bool) []uint64 {
	out, _ = maskedFeatureKeys(tokens, nil, out, nil, skips)
	return out
}

// maskedFeatureKeys is featureKeys that also reports, per key, whether it comes
// only from context tokens (mask): a unigram of a masked token, or a pair with
// a masked side (a junction between context and topic is no topic either).
func maskedFeatureKeys(tokens []uint32, mask []bool, out []uint64, ctx []bool, skips bool) ([]uint64, []bool) {
	out, ctx = out[:0], ctx[:0]
	var seen map[uint64]int
	if len(tokens) > 24 { // quadratic dedupe is cheaper only for short texts
		seen = make(map[uint64]int, 2*len(tokens))
	}
	add := func(k uint64, c bool) {
		j := -1
		if seen != nil {
			if x, ok := seen[k]; ok {
				j = x
			}
		} else {
			for x, o := range out {
				if o == k {
					j = x
					break
				}
			}
		}
		if j >= 0 {
			if mask != nil && !c {
				ctx[j] = false
			}
			return
		}
		if seen != nil {
			seen[k] = len(out)
		}
		out = append(out, k)
		if mask != nil {
			ctx = append(ctx, c)
		}
	}
	masked := func(i int) bool { return mask != nil && mask[i] }
	for i, t := range tokens {
		if isWordToken(t) || !stopRunes[rune(t)] {
			add(unigramKey(t), masked(i))
		}
		if i > 0 {
			add(bigramKey(tokens[i-1], t), masked(i-1) || masked(i))
		}
		if skips && i > 1 {
			add(skipKey(tokens[i-2], t), masked(i-2) || masked(i))
		}
	}
	return out, ctx
}
