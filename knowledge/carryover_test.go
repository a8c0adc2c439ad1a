package knowledge

import (
	"math"
	"testing"
)

// TestDefaultThresholdCarriesOverToAnotherKB: the default thresholds are not
// tied to the demo KB's size or vocabulary. Each half of the demo KB (45 or 44
// entries, other IDF statistics, fewer look-alikes) answers the dev queries of
// its own entries, and rejects the out-of-scope ones, at about the rates the
// whole KB does.
func TestDefaultThresholdCarriesOverToAnotherKB(t *testing.T) {
	kb, err := Load("../deploy/demo/kb")
	if err != nil {
		t.Fatal(err)
	}
	full, err := BuildIndex(kb.Entries, kb.Synonyms, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range []string{"dev_queries", "dev_long_queries"} {
		qs, err := ReadQueries("testdata/" + set + ".csv")
		if err != nil {
			t.Fatal(err)
		}
		for parity := range 2 {
			half, sub := halfKB(kb.Entries, qs, parity)
			ix, err := BuildIndex(half, kb.Synonyms, DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			mFull, _ := Evaluate(full, sub)
			mHalf, _ := Evaluate(ix, sub)
			t.Logf("%s, half %d (%d entries): whole KB %+v; half %+v", set, parity, len(half), mFull, mHalf)
			if d := math.Abs(mFull.AnsweredRate - mHalf.AnsweredRate); d > 0.05 {
				t.Errorf("%s half %d: answered_rate moved by %.3f", set, parity, d)
			}
			if d := math.Abs(mFull.OOSRejection - mHalf.OOSRejection); d > 0.05 {
				t.Errorf("%s half %d: oos_rejection moved by %.3f", set, parity, d)
			}
		}
	}
}

// halfKB keeps every other entry (starting at parity) and the queries that
// still have their entry, plus all out-of-scope ones.
func halfKB(entries []Entry, qs []Query, parity int) ([]Entry, []Query) {
	keep := map[string]bool{}
	var half []Entry
	for i, e := range entries {
		if i%2 == parity {
			half = append(half, e)
			keep[e.ID] = true
		}
	}
	var sub []Query
	for _, q := range qs {
		if q.ExpectedID == "" || keep[q.ExpectedID] {
			sub = append(sub, q)
		}
	}
	return half, sub
}
