package knowledge

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestTune sweeps retrieval options on the dev sets; run with KB_TUNE=1 -v.
// KB_GRID overrides the grid: "name=v1,v2;name=v3".
func TestTune(t *testing.T) {
	if os.Getenv("KB_TUNE") == "" {
		t.Skip("set KB_TUNE=1 to sweep options")
	}
	kb, err := Load("../deploy/demo/kb")
	if err != nil {
		t.Fatal(err)
	}
	dev, err := ReadQueries("testdata/dev_queries.csv")
	if err != nil {
		t.Fatal(err)
	}
	long, err := ReadQueries("testdata/dev_long_queries.csv")
	if err != nil {
		t.Fatal(err)
	}
	check, err := ReadQueries("testdata/dev_check_queries.csv")
	if err != nil {
		t.Fatal(err)
	}
	old, err := ReadQueries("testdata/dev_old_heldout_queries.csv")
	if err != nil {
		t.Fatal(err)
	}
	sym, err := ReadQueries("testdata/dev_sym_queries.csv")
	if err != nil {
		t.Fatal(err)
	}
	sets := []struct {
		name string
		qs   []Query
	}{{"dev", dev}, {"chatty", chattyQueries(dev)}, {"long", long}, {"check", check}, {"old", old}, {"sym", sym}}
	setters := map[string]func(o *Options, v float64){
		"uw":   func(o *Options, v float64) { o.UnigramWeight = v },
		"beta": func(o *Options, v float64) { o.Beta = v },
		"rw":   func(o *Options, v float64) { o.RecallWeight = v },
		"ar":   func(o *Options, v float64) { o.AnswerRunes = int(v) },
		"aw":   func(o *Options, v float64) { o.AnswerWeight = v },
		"ip":   func(o *Options, v float64) { o.IDFPower = v },
		"ob":   func(o *Options, v float64) { o.OOVBigramWeight = v },
		"sk":   func(o *Options, v float64) { o.SkipWeight = v },
		"cx":   func(o *Options, v float64) { o.ContextWeight = v },
		"crw":  func(o *Options, v float64) { o.ConfRecallWeight = v },
		"caw":  func(o *Options, v float64) { o.ConfAnswerWeight = v },
		"mm":   func(o *Options, v float64) { o.Policy.MinMargin = v },
		"sure": func(o *Options, v float64) { o.Policy.SureThreshold = v },
		"mb":   func(o *Options, v float64) { o.Policy.MarginBonus = v },
		"st":   func(o *Options, v float64) { o.Policy.SuggestThreshold = v },
		"at":   func(o *Options, v float64) { o.Policy.AnswerThreshold = v },
		"fw":   func(o *Options, v float64) { o.FusionWeight = v },
		"rrf":  func(o *Options, v float64) { o.FusionRRF = v != 0 },
		"na":   func(o *Options, v float64) { o.NBAlpha = v },
		"naw":  func(o *Options, v float64) { o.NBAnswerWeight = v },
		"nt":   func(o *Options, v float64) { o.NBTemperature = v },
		"at2":  func(o *Options, v float64) { o.AgreeTemperature = v },
		"sql":  func(o *Options, v float64) { o.ShortQueryLift = v },
		"ab":   func(o *Options, v float64) { o.Policy.AgreeBonus = v },
		"amp":  func(o *Options, v float64) { o.Policy.AgreeMinProb = v },
		"dp":   func(o *Options, v float64) { o.Policy.DisagreePenalty = v },
	}
	type axis struct {
		name string
		vals []float64
	}
	var grid []axis
	for _, part := range strings.Split(os.Getenv("KB_GRID"), ";") {
		name, vals, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		a := axis{name: name}
		for _, v := range strings.Split(vals, ",") {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || setters[name] == nil {
				t.Fatalf("bad grid part %q", part)
			}
			a.vals = append(a.vals, f)
		}
		grid = append(grid, a)
	}
	var walk func(i int, o Options, label string)
	walk = func(i int, o Options, label string) {
		if i == len(grid) {
			ix, err := BuildIndex(kb.Entries, kb.Synonyms, o)
			if err != nil {
				t.Fatal(err)
			}
			line := label
			for _, s := range sets {
				h1, _, best := separability(ix, s.qs)
				m, d := Evaluate(ix, s.qs)
				line += fmt.Sprintf(" | %s h1=%.3f %s pol=%.3f/%.3f direct=%d/%d/%d", s.name, h1, best, m.AnsweredRate, m.OOSRejection, d.AnsweredCorrect, d.AnsweredWrong, d.OOSAnswered)
			}
			fmt.Println(line)
			return
		}
		for _, v := range grid[i].vals {
			setters[grid[i].name](&o, v)
			walk(i+1, o, fmt.Sprintf("%s %s=%.2f", label, grid[i].name, v))
		}
	}
	walk(0, DefaultOptions(), "")
}

// separability returns hit@1, the AUC of confidences (in-scope vs out-of-scope)
// and the threshold maximising answered+rejected with rejection >= 0.9.
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
		if a+r > bestSum && r >= 0.9 {
			bestT, bestSum, bestA, bestR = t, a+r, a, r
		}
	}
	return float64(hit) / float64(len(in)), auc, fmt.Sprintf("T=%.2f %.3f/%.3f", bestT, bestA, bestR)
}
