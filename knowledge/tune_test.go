package knowledge

import (
	"fmt"
	"os"
	"sort"
	"testing"
)

// TestTune sweeps retrieval options on the dev set; run with KB_TUNE=1 -v.
func TestTune(t *testing.T) {
	if os.Getenv("KB_TUNE") == "" {
		t.Skip("set KB_TUNE=1 to sweep options")
	}
	kb, err := Load("../deploy/demo/kb")
	if err != nil {
		t.Fatal(err)
	}
	qs, err := ReadQueries("testdata/dev_queries.csv")
	if err != nil {
		t.Fatal(err)
	}
	grid := []struct {
		name string
		vals []float64
		set  func(o *Options, v float64)
	}{
		{"uw", []float64{1.0}, func(o *Options, v float64) { o.UnigramWeight = v }},
		{"beta", []float64{0.3}, func(o *Options, v float64) { o.Beta = v }},
		{"rw", []float64{0.6}, func(o *Options, v float64) { o.RecallWeight = v }},
		{"ar", []float64{300}, func(o *Options, v float64) { o.AnswerRunes = int(v) }},
		{"aw", []float64{0.4}, func(o *Options, v float64) { o.AnswerWeight = v }},
		{"ip", []float64{2}, func(o *Options, v float64) { o.IDFPower = v }},
		{"ob", []float64{0.5}, func(o *Options, v float64) { o.OOVBigramWeight = v }},
		{"sk", []float64{0}, func(o *Options, v float64) { o.SkipWeight = v }},
		{"mb", []float64{0.5}, func(o *Options, v float64) { o.Policy.MarginBonus = v }},
	}
	var walk func(i int, o Options, label string)
	walk = func(i int, o Options, label string) {
		if i == len(grid) {
			ix, err := BuildIndex(kb.Entries, kb.Synonyms, o)
			if err != nil {
				t.Fatal(err)
			}
			h1, auc, best := separability(ix, qs)
			ch1, cauc, cbest := separability(ix, chattyQueries(qs))
			fmt.Printf("%s hit1=%.4f auc=%.4f %s | chatty hit1=%.4f auc=%.4f %s\n", label, h1, auc, best, ch1, cauc, cbest)
			return
		}
		for _, v := range grid[i].vals {
			grid[i].set(&o, v)
			walk(i+1, o, fmt.Sprintf("%s %s=%.2f", label, grid[i].name, v))
		}
	}
	walk(0, DefaultOptions(), "")
}

// separability returns hit@1, the AUC of top scores (in-scope vs out-of-scope)
// and the threshold maximising answered+rejected.
func separability(r Retriever, qs []Query) (float64, float64, string) {
	var in, out []float64
	hit := 0
	for _, q := range qs {
		res := r.Search(q.Text, 5)
		top, _ := res.Top()
		if q.ExpectedID == "" {
			out = append(out, res.Confidence)
			continue
		}
		in = append(in, res.Confidence)
		if top.Entry != nil && top.Entry.ID == q.ExpectedID {
			hit++
		}
	}
	pairs := 0.0
	for _, a := range in {
		for _, b := range out {
			switch {
			case a > b:
				pairs++
			case a == b:
				pairs += 0.5
			}
		}
	}
	auc := pairs / float64(len(in)*len(out))
	sort.Float64s(in)
	sort.Float64s(out)
	bestT, bestSum, bestA, bestR := 0.0, 0.0, 0.0, 0.0
	for t := 0.2; t < 0.9; t += 0.01 {
		a := float64(len(in)-sort.SearchFloat64s(in, t)) / float64(len(in))
		r := float64(sort.SearchFloat64s(out, t)) / float64(len(out))
		if os.Getenv("KB_SWEEP") != "" && t > 0.45 && t < 0.6 {
			fmt.Printf("   T=%.2f answered=%.3f rejected=%.3f\n", t, a, r)
		}
		if a+r > bestSum && r >= 0.85 {
			bestT, bestSum, bestA, bestR = t, a+r, a, r
		}
	}
	return float64(hit) / float64(len(in)), auc, fmt.Sprintf("T=%.2f answered=%.3f rejected=%.3f", bestT, bestA, bestR)
}
