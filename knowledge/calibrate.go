package knowledge

import (
	"math"
	"sort"
)

// Calibration adapts the suggest threshold to a KB without labelled queries.
//
// The confidence is normalised to the query's self-match, so an exact phrasing
// scores 1 on any KB. How far a paraphrase falls below that still depends on
// the KB: with 3 相似问法 per entry a user's own words cover less of any
// phrasing than with 10. The KB's own phrasings measure this. Half of each
// entry's phrasings are indexed and the other half asked (stand-ins for
// in-scope questions); half of the entries are indexed and the others' phrasings
// asked (stand-ins for near misses: in the KB's domain, but not answered). The
// threshold that best separates the two is the KB's calibration point; the
// suggest threshold moves by its distance from the point of the KB the
// defaults were tuned on.
type Calibration struct {
	Point float64 `json:"point"` // balanced threshold between the two stand-ins
	Shift float64 `json:"shift"` // added to the suggest threshold
	// How many stand-in questions of each kind were asked.
	InScope    int `json:"in_scope"`
	OutOfScope int `json:"out_of_scope"`
}

const (
	// calibrationRef is the demo KB's calibration point (deploy/demo/kb), on
	// which DefaultPolicy was tuned.
	calibrationRef = 0.50
	// Differences smaller than calibrationDeadZone are noise: no shift.
	calibrationDeadZone = 0.02
	// The shift is bounded: lowering the suggest threshold risks suggestions
	// for near misses, raising it costs answers.
	calibrationMinShift = -0.15
	calibrationMaxShift = 0.05
	// Enough stand-ins to trust the point; sampled above the maximum so a
	// large KB calibrates in a fraction of a second.
	calibrationMinSamples = 30
	calibrationMaxEntries = 1200
	calibrationMaxQueries = 800
)

// Calibrate measures the KB's calibration point. Too small a KB (or one
// without 相似问法) gets a zero shift.
func Calibrate(entries []Entry, syn SynonymTable, opts Options) (Calibration, error) {
	entries = everyNth(entries, calibrationMaxEntries)
	in, err := phrasingHalfConfidences(entries, syn, opts)
	if err != nil {
		return Calibration{}, err
	}
	out, err := entryHalfConfidences(entries, syn, opts)
	if err != nil {
		return Calibration{}, err
	}
	c := Calibration{InScope: len(in), OutOfScope: len(out)}
	if len(in) < calibrationMinSamples || len(out) < calibrationMinSamples {
		return c, nil
	}
	c.Point = balancedThreshold(in, out)
	if d := c.Point - calibrationRef; math.Abs(d) >= calibrationDeadZone {
		c.Shift = min(calibrationMaxShift, max(calibrationMinShift, d))
	}
	return c, nil
}

// Apply returns p with the suggest threshold shifted (never above the answer threshold).
func (c Calibration) Apply(p Policy) Policy {
	p.SuggestThreshold = min(p.AnswerThreshold, max(0, p.SuggestThreshold+c.Shift))
	return p
}

// phrasingHalfConfidences indexes every entry with its even-numbered phrasings
// and asks the odd-numbered ones.
func phrasingHalfConfidences(entries []Entry, syn SynonymTable, opts Options) ([]float64, error) {
	indexed := make([]Entry, 0, len(entries))
	var asked []string
	for _, e := range entries {
		ps := e.Phrasings()
		var keep []string
		for i, p := range ps {
			if i%2 == 0 {
				keep = append(keep, p)
			} else {
				asked = append(asked, p)
			}
		}
		e.Question, e.Similar = keep[0], keep[1:]
		indexed = append(indexed, e)
	}
	return confidences(indexed, syn, opts, asked)
}

// entryHalfConfidences indexes every other entry and asks the phrasings of
// the rest, both ways round.
func entryHalfConfidences(entries []Entry, syn SynonymTable, opts Options) ([]float64, error) {
	var all []float64
	for parity := range 2 {
		var indexed []Entry
		var asked []string
		for i, e := range entries {
			if i%2 == parity {
				indexed = append(indexed, e)
			} else {
				asked = append(asked, e.Phrasings()...)
			}
		}
		if len(indexed) == 0 {
			continue
		}
		got, err := confidences(indexed, syn, opts, everyNth(asked, calibrationMaxQueries/2))
		if err != nil {
			return nil, err
		}
		all = append(all, got...)
	}
	return all, nil
}

// confidences is what the policy would see for each query against entries.
func confidences(entries []Entry, syn SynonymTable, opts Options, queries []string) ([]float64, error) {
	ix, err := BuildIndex(entries, syn, opts)
	if err != nil {
		return nil, err
	}
	queries = everyNth(queries, calibrationMaxQueries)
	out := make([]float64, len(queries))
	for i, q := range queries {
		out[i] = ix.Search(q, 5).Confidence
	}
	return out, nil
}

// balancedThreshold is the cut that maximises the smaller of the share of in
// at or above it and the share of out below it (the lowest such cut).
func balancedThreshold(in, out []float64) float64 {
	in, out = sortedCopy(in), sortedCopy(out)
	cuts := append(append([]float64(nil), in...), out...)
	sort.Float64s(cuts)
	best, bestScore := 0.0, -1.0
	for _, t := range cuts {
		kept := float64(len(in)-sort.SearchFloat64s(in, t)) / float64(len(in))
		rejected := float64(sort.SearchFloat64s(out, t)) / float64(len(out))
		if s := min(kept, rejected); s > bestScore {
			best, bestScore = t, s
		}
	}
	return best
}

func sortedCopy(x []float64) []float64 {
	y := append([]float64(nil), x...)
	sort.Float64s(y)
	return y
}

// everyNth keeps at most n items, evenly spread, in order.
func everyNth[T any](items []T, n int) []T {
	if len(items) <= n {
		return items
	}
	out := make([]T, 0, n)
	for i := range n {
		out = append(out, items[i*len(items)/n])
	}
	return out
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
