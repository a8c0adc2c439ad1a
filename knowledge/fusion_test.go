package knowledge

import (
	"testing"
)

// The classifier alone (it decides the order when its weight dwarfs the
// lexical rank) must put each entry first for its own question.
func TestClassifierRanksItsTrainingQuestions(t *testing.T) {
	kb, err := Load("../deploy/demo/kb")
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	o.FusionRRF, o.FusionWeight = true, 100
	ix, err := BuildIndex(kb.Entries, kb.Synonyms, o)
	if err != nil {
		t.Fatal(err)
	}
	wrong := 0
	for _, e := range kb.Entries {
		top, ok := ix.Search(e.Question, 5).Top()
		if !ok || top.Entry.ID != e.ID {
			wrong++
			t.Logf("%q → %v", e.Question, top.Entry)
		}
	}
	// A few questions share every n-gram with a sibling entry's phrasing.
	if wrong > len(kb.Entries)/20 {
		t.Errorf("classifier ranks %d of %d questions wrong", wrong, len(kb.Entries))
	}
}

func TestFusedSearchIsDeterministic(t *testing.T) {
	kb, err := Load("../deploy/demo/kb")
	if err != nil {
		t.Fatal(err)
	}
	qs, err := ReadQueries("testdata/dev_long_queries.csv")
	if err != nil {
		t.Fatal(err)
	}
	a, err := BuildIndex(kb.Entries, kb.Synonyms, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	b, err := BuildIndex(kb.Entries, kb.Synonyms, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if a.clf == nil {
		t.Fatal("default options build no classifier")
	}
	for _, q := range qs {
		ra, rb := a.Search(q.Text, 5), b.Search(q.Text, 5)
		if ra.Decision != rb.Decision || ra.Confidence != rb.Confidence || len(ra.Ranked) != len(rb.Ranked) {
			t.Fatalf("%q: %v/%v vs %v/%v", q.Text, ra.Decision, ra.Confidence, rb.Decision, rb.Confidence)
		}
		for i := range ra.Ranked {
			if ra.Ranked[i].Entry.ID != rb.Ranked[i].Entry.ID || ra.Ranked[i].rank != rb.Ranked[i].rank {
				t.Fatalf("%q: rank %d differs: %s vs %s", q.Text, i, ra.Ranked[i].Entry.ID, rb.Ranked[i].Entry.ID)
			}
		}
	}
}

func TestAgreementEvidenceInPolicy(t *testing.T) {
	e1, e2 := &Entry{ID: "a"}, &Entry{ID: "b"}
	p := DefaultPolicy()
	p.AgreeBonus, p.AgreeMinProb, p.DisagreePenalty = 0.07, 0.95, 0.05
	cands := func(score float64, fused, agree bool, prob float64) []Candidate {
		return []Candidate{
			{Entry: e1, Score: score, fused: fused, agree: agree, agreeProb: prob},
			{Entry: e2, Score: 0.2, fused: fused},
		}
	}
	tests := []struct {
		name   string
		ranked []Candidate
		want   Decision
	}{
		{"weak match alone is declined", cands(0.46, false, false, 0), NoAnswer},
		{"both rankers sure: suggest", cands(0.46, true, true, 0.99), Suggest},
		{"agreement without a clear posterior: declined", cands(0.46, true, true, 0.9), NoAnswer},
		{"agreement never answers outright", cands(0.6, true, true, 0.99), Suggest},
		{"strong match is answered whatever the classifier", cands(0.85, true, false, 0), Answer},
		{"disagreement on a borderline match: declined", cands(0.52, true, false, 0), NoAnswer},
		{"borderline match, no classifier: suggested", cands(0.52, false, false, 0), Suggest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.Decide(tt.ranked); got.Decision != tt.want {
				t.Errorf("decision = %v (confidence %.3f), want %v", got.Decision, got.Confidence, tt.want)
			}
		})
	}
}
