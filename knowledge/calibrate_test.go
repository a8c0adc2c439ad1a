package knowledge

import (
	"os"
	"path/filepath"
	"testing"
)

// The demo KB is the calibration reference: what chat and serve load is
// exactly what the quality-floor tests measure with DefaultOptions.
func TestDemoKBIsNotShifted(t *testing.T) {
	ix, _, err := LoadIndex("../deploy/demo/kb", DefaultOptions(), true)
	if err != nil {
		t.Fatal(err)
	}
	c := ix.Calibration()
	t.Logf("demo calibration: %+v", c)
	if c.Shift != 0 || ix.Options().Policy.SuggestThreshold != DefaultPolicy().SuggestThreshold {
		t.Fatalf("demo KB shifted: %+v, suggest %.3f", c, ix.Options().Policy.SuggestThreshold)
	}
	if c.InScope < calibrationMinSamples || c.OutOfScope < calibrationMinSamples {
		t.Fatalf("demo KB not measured: %+v", c)
	}
}

// A KB with fewer 相似问法 per entry (the demo KB cut to 3, and the ERP KB
// written by another author with 3-6) scores paraphrases lower; calibration
// lowers its suggest threshold, and on the ERP KB's own labelled queries
// that balances answering and declining far better than the default.
func TestCalibrationLowersThresholdForThinnerKBs(t *testing.T) {
	demo, err := Load("../deploy/demo/kb")
	if err != nil {
		t.Fatal(err)
	}
	thin := make([]Entry, len(demo.Entries))
	for i, e := range demo.Entries {
		e.Similar = e.Similar[:min(3, len(e.Similar))]
		thin[i] = e
	}
	c, err := Calibrate(thin, demo.Synonyms, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if c.Shift > -0.03 {
		t.Errorf("demo KB with 3 相似问法 per entry: shift %+.3f, want clearly negative (%+v)", c.Shift, c)
	}

	qs, err := ReadQueries("testdata/erp_queries.csv")
	if err != nil {
		t.Fatal(err)
	}
	calibrated, kb, err := LoadIndex("testdata/erp_kb", DefaultOptions(), true)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := BuildIndex(kb.Entries, kb.Synonyms, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	mc, _ := Evaluate(calibrated, qs)
	mp, _ := Evaluate(plain, qs)
	t.Logf("ERP KB: calibration %+v\n  default threshold %+v\n  calibrated %+v", calibrated.Calibration(), mp, mc)
	if calibrated.Calibration().Shift > -0.05 {
		t.Errorf("ERP KB shift %+.3f, want below -0.05", calibrated.Calibration().Shift)
	}
	if min(mc.AnsweredRate, mc.OOSRejection) < min(mp.AnsweredRate, mp.OOSRejection)+0.1 {
		t.Errorf("calibration did not balance the ERP KB: default %+v, calibrated %+v", mp, mc)
	}
	if mc.OOSRejection < 0.85 {
		t.Errorf("calibrated ERP KB rejects too little: %+v", mc)
	}
}

// An author who sets suggest_threshold in kb.yaml keeps it.
func TestKBConfigSuggestThresholdTurnsCalibrationOff(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "kb")
	if err := os.CopyFS(dir, os.DirFS("testdata/erp_kb")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ConfigFile), []byte("policy:\n  suggest_threshold: 0.47\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ix, _, err := LoadIndex(dir, DefaultOptions(), true)
	if err != nil {
		t.Fatal(err)
	}
	if got := ix.Options().Policy.SuggestThreshold; got != 0.47 || ix.Calibration().Shift != 0 {
		t.Fatalf("suggest threshold %.3f, calibration %+v; want kb.yaml's 0.47 unshifted", got, ix.Calibration())
	}
	// Calibrate off in the options: the default stays.
	opts := DefaultOptions()
	opts.Calibrate = false
	ix, _, err = LoadIndex("testdata/erp_kb", opts, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := ix.Options().Policy.SuggestThreshold; got != DefaultPolicy().SuggestThreshold {
		t.Fatalf("Calibrate=false still shifted to %.3f", got)
	}
}

func TestBalancedThreshold(t *testing.T) {
	in := []float64{0.9, 0.8, 0.7, 0.6, 0.45}
	out := []float64{0.1, 0.2, 0.3, 0.5, 0.65}
	// At 0.6: 4/5 kept, 4/5 rejected; no cut does better on both.
	if got := balancedThreshold(in, out); got != 0.6 {
		t.Fatalf("balancedThreshold = %v, want 0.6", got)
	}
}
