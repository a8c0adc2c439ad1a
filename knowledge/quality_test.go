package knowledge

import (
	"testing"
)

// Quality floors reached on the development query set with DefaultOptions. The
// test fails when a change to normalisation, synonyms, scoring or thresholds
// makes retrieval worse; raise the floors when quality improves.
var devFloor = Metrics{
	HitAt1:       0.97,
	HitAt3:       0.99,
	MRR:          0.98,
	OOSRejection: 0.92,
	AnsweredRate: 0.97,
}

// Floors on testdata/dev_long_queries.csv: long, contextual phone messages
// ("我们部门新来的同事…一直失败，怎么办") and near misses written the same way.
var devLongFloor = Metrics{
	HitAt1:       0.935,
	HitAt3:       0.98,
	MRR:          0.96,
	OOSRejection: 0.94,
	AnsweredRate: 0.95,
}

func demoEval(t *testing.T, r func(kb *KB) Retriever, queries string) (Metrics, Detail) {
	t.Helper()
	kb, err := Load("../deploy/demo/kb")
	if err != nil {
		t.Fatal(err)
	}
	if err := kb.Err(); err != nil {
		t.Fatalf("demo KB has problems: %v", err)
	}
	qs, err := ReadQueries(queries)
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) < 250 && queries == "testdata/dev_queries.csv" {
		t.Fatalf("dev set has only %d queries", len(qs))
	}
	return Evaluate(r(kb), qs)
}

func indexRetriever(t *testing.T) func(kb *KB) Retriever {
	return func(kb *KB) Retriever {
		ix, err := BuildIndex(kb.Entries, kb.Synonyms, DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		return ix
	}
}

func TestDevSetQualityFloor(t *testing.T) {
	d := checkSetFloor(t, "dev_queries", devFloor)
	// Answering an out-of-scope question outright is the worst failure.
	if d.OOSAnswered > 0 {
		t.Errorf("%d out-of-scope queries answered outright", d.OOSAnswered)
	}
}

func TestDevLongQualityFloor(t *testing.T) {
	d := checkSetFloor(t, "dev_long_queries", devLongFloor)
	if d.OOSAnswered > 1 {
		t.Errorf("%d out-of-scope queries answered outright", d.OOSAnswered)
	}
}

// Floors on testdata/dev_check_queries.csv, written after the options were
// chosen (medium-length phone messages, different wording): a check that the
// tuning carries over rather than a tuning target.
var devCheckFloor = Metrics{
	HitAt1:       0.92,
	HitAt3:       0.97,
	MRR:          0.95,
	OOSRejection: 0.93,
	AnsweredRate: 0.97,
}

func TestDevCheckQualityFloor(t *testing.T) {
	checkSetFloor(t, "dev_check_queries", devCheckFloor)
}

// Floors on testdata/dev_old_heldout_queries.csv: the first held-out set,
// used for reporting six times and then, once heldout2 was written, for tuning
// the operating point (ShortQueryLift, SuggestThreshold).
var devOldFloor = Metrics{
	HitAt1:       0.94,
	HitAt3:       0.98,
	MRR:          0.96,
	OOSRejection: 0.84,
	AnsweredRate: 0.89,
}

func TestDevOldHeldoutQualityFloor(t *testing.T) {
	checkSetFloor(t, "dev_old_heldout_queries", devOldFloor)
}

// Floors on testdata/dev_sym_queries.csv: symptom-style messages in words a
// user who never read the KB would use ("点了没反应", "一直转圈"). Ranking holds
// up; confidence does not separate them well from near misses, so the
// answered_rate floor is low: this set guards against it getting worse.
var devSymFloor = Metrics{
	HitAt1:       0.90,
	HitAt3:       0.98,
	MRR:          0.94,
	OOSRejection: 0.83,
	AnsweredRate: 0.73,
}

func TestDevSymQualityFloor(t *testing.T) {
	checkSetFloor(t, "dev_sym_queries", devSymFloor)
}

// checkSetFloor evaluates the demo KB on testdata/<name>.csv, logs the
// numbers and checks them against floor.
func checkSetFloor(t *testing.T, name string, floor Metrics) Detail {
	t.Helper()
	m, d := demoEval(t, indexRetriever(t), "testdata/"+name+".csv")
	t.Logf("%s: %+v (direct answers: %d right, %d wrong, %d out-of-scope)", name, m, d.AnsweredCorrect, d.AnsweredWrong, d.OOSAnswered)
	checkFloor(t, m, floor)
	return d
}

func checkFloor(t *testing.T, m, floor Metrics) {
	t.Helper()
	checks := []struct {
		name       string
		got, floor float64
	}{
		{"hit_at_1", m.HitAt1, floor.HitAt1},
		{"hit_at_3", m.HitAt3, floor.HitAt3},
		{"mrr", m.MRR, floor.MRR},
		{"oos_rejection", m.OOSRejection, floor.OOSRejection},
		{"answered_rate", m.AnsweredRate, floor.AnsweredRate},
	}
	for _, c := range checks {
		if c.got < c.floor {
			t.Errorf("%s = %.4f, below the floor %.3f", c.name, c.got, c.floor)
		}
	}
}

// TestChattyQueriesKeepQuality wraps the dev queries in greetings and filler
// ("你好，请问…，谢谢"): confidence must not collapse on longer messages.
func TestChattyQueriesKeepQuality(t *testing.T) {
	kb, err := Load("../deploy/demo/kb")
	if err != nil {
		t.Fatal(err)
	}
	ix, err := BuildIndex(kb.Entries, kb.Synonyms, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	qs, err := ReadQueries("testdata/dev_queries.csv")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := Evaluate(ix, chattyQueries(qs))
	t.Logf("chatty dev: %+v", m)
	if m.HitAt1 < 0.96 || m.AnsweredRate < 0.94 || m.OOSRejection < 0.93 {
		t.Errorf("chatty queries: %+v", m)
	}
}

func TestBeatsBM25Baseline(t *testing.T) {
	ours, _ := demoEval(t, indexRetriever(t), "testdata/dev_queries.csv")
	base, _ := demoEval(t, func(kb *KB) Retriever { return NewBM25(kb.Entries, DefaultPolicy()) }, "testdata/dev_queries.csv")
	t.Logf("dev hit@1: ours %.4f, BM25 %.4f", ours.HitAt1, base.HitAt1)
	if ours.HitAt1 < base.HitAt1+0.02 || ours.MRR < base.MRR {
		t.Errorf("no clear gain over the BM25 baseline: ours %+v, BM25 %+v", ours, base)
	}
}

func TestQuerySetsAreWellFormed(t *testing.T) {
	checkQuerySets(t, "../deploy/demo/kb", "testdata/dev_queries.csv", "testdata/dev_long_queries.csv", "testdata/dev_check_queries.csv",
		"testdata/dev_old_heldout_queries.csv", "testdata/dev_sym_queries.csv", "testdata/heldout2_queries.csv")
	checkQuerySets(t, "testdata/erp_kb", "testdata/erp_queries.csv")
}

// checkQuerySets: every expected_id is an entry of the KB at kbPath, and no
// query copies one of its phrasings.
func checkQuerySets(t *testing.T, kbPath string, files ...string) {
	t.Helper()
	kb, err := Load(kbPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := kb.Err(); err != nil {
		t.Fatalf("%s: %v", kbPath, err)
	}
	ids := map[string]bool{}
	questions := map[string]bool{}
	for _, e := range kb.Entries {
		ids[e.ID] = true
		for _, p := range e.Phrasings() {
			questions[BasicNormalize(p)] = true
		}
	}
	for _, f := range files {
		qs, err := ReadQueries(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range qs {
			if q.ExpectedID != "" && !ids[q.ExpectedID] {
				t.Errorf("%s:%d: unknown expected_id %q", f, q.Line, q.ExpectedID)
			}
			if questions[BasicNormalize(q.Text)] {
				t.Errorf("%s:%d: %q copies a KB phrasing", f, q.Line, q.Text)
			}
		}
	}
}

// chatty wraps queries in the filler people type around a question, to check
// the confidence does not collapse on longer messages.
func chattyQueries(qs []Query) []Query {
	pre := []string{"你好，请问", "麻烦问一下，", "我这边", "领导让我问下，", "同事说", "早上好，", ""}
	suf := []string{"，谢谢", "，急！", "，在线等", "啊", "？我该怎么弄", "，有人知道吗", ""}
	out := make([]Query, len(qs))
	for i, q := range qs {
		q.Text = pre[i%len(pre)] + q.Text + suf[(i/len(pre))%len(suf)]
		out[i] = q
	}
	return out
}

// Floors on a second KB (testdata/erp_kb, an ERP rollout, 60 entries with 3–6
// 相似问法) and its own queries (testdata/erp_queries.csv), written by another
// author; nothing was tuned on them. Served as chat and serve load it: with the
// suggest threshold calibrated to the KB.
var erpFloor = Metrics{
	HitAt1:       0.79,
	HitAt3:       0.94,
	MRR:          0.86,
	OOSRejection: 0.86,
	AnsweredRate: 0.62,
}

func TestERPKBQualityFloor(t *testing.T) {
	ix, kb, err := LoadIndex("testdata/erp_kb", DefaultOptions(), true)
	if err != nil {
		t.Fatal(err)
	}
	qs, err := ReadQueries("testdata/erp_queries.csv")
	if err != nil {
		t.Fatal(err)
	}
	m, d := Evaluate(ix, qs)
	base, _ := Evaluate(NewBM25(kb.Entries, DefaultPolicy()), qs)
	t.Logf("erp: %+v (direct answers: %d right, %d wrong, %d out-of-scope); BM25 hit@1 %.4f", m, d.AnsweredCorrect, d.AnsweredWrong, d.OOSAnswered, base.HitAt1)
	checkFloor(t, m, erpFloor)
	if m.HitAt1 < base.HitAt1+0.1 {
		t.Errorf("hit@1 %.4f is not 10 points above BM25's %.4f", m.HitAt1, base.HitAt1)
	}
}
