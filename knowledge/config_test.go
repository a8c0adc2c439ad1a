package knowledge

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name, yaml string
		wantErr    string // substring of the first problem, "" for none
		wantLine   int
		check      func(t *testing.T, p Policy)
	}{
		{name: "empty file keeps defaults", yaml: "", check: func(t *testing.T, p Policy) {
			if p != DefaultPolicy() {
				t.Errorf("policy = %+v", p)
			}
		}},
		{name: "overrides only what is given", yaml: "policy:\n  answer_threshold: 0.7\n  suggest_threshold: 0.45\n", check: func(t *testing.T, p Policy) {
			want := DefaultPolicy()
			want.AnswerThreshold, want.SuggestThreshold = 0.7, 0.45
			if p != want {
				t.Errorf("policy = %+v, want %+v", p, want)
			}
		}},
		{name: "max suggestions", yaml: "policy:\n  max_suggestions: 2\n", check: func(t *testing.T, p Policy) {
			if p.MaxSuggestions != 2 {
				t.Errorf("max = %d", p.MaxSuggestions)
			}
		}},
		{name: "unknown key is a typo", yaml: "policy:\n  answer_treshold: 0.7\n", wantErr: "answer_treshold", wantLine: 2},
		{name: "out of range", yaml: "policy:\n  suggest_threshold: 5\n", wantErr: "0 到 1"},
		{name: "suggest above answer", yaml: "policy:\n  suggest_threshold: 0.9\n  answer_threshold: 0.8\n", wantErr: "不能高于"},
		{name: "not a number", yaml: "policy:\n  answer_threshold: high\n", wantErr: "配置格式错误", wantLine: 2},
		{name: "bad max suggestions", yaml: "policy:\n  max_suggestions: 0\n", wantErr: "max_suggestions"},
		{name: "agreement evidence", yaml: "policy:\n  agree_bonus: 0.1\n  agree_min_prob: 0.9\n  disagree_penalty: 0.02\n", check: func(t *testing.T, p Policy) {
			if p.AgreeBonus != 0.1 || p.AgreeMinProb != 0.9 || p.DisagreePenalty != 0.02 {
				t.Errorf("policy = %+v", p)
			}
		}},
		{name: "agree bonus out of range", yaml: "policy:\n  agree_bonus: 2\n", wantErr: "agree_bonus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, errs := ParseConfig(strings.NewReader(tt.yaml), ConfigFile)
			if tt.wantErr != "" {
				if len(errs) == 0 || !strings.Contains(errs[0].Reason, tt.wantErr) {
					t.Fatalf("errs = %v, want one mentioning %q", errs, tt.wantErr)
				}
				if errs[0].Line != tt.wantLine {
					t.Errorf("line = %d, want %d", errs[0].Line, tt.wantLine)
				}
				return
			}
			if len(errs) > 0 {
				t.Fatalf("errs = %v", errs)
			}
			tt.check(t, c.Apply(DefaultPolicy()))
		})
	}
}

func writeKB(t *testing.T, dir, config string) {
	t.Helper()
	md := "## VPN登不上怎么办\nid: vpn-login\n先检查网络。\n\n## 怎么申请权限\nid: perm\n找管理员。\n"
	if err := os.WriteFile(filepath.Join(dir, "kb.md"), []byte(md), 0o644); err != nil {
		t.Fatal(err)
	}
	if config != "" {
		if err := os.WriteFile(filepath.Join(dir, ConfigFile), []byte(config), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoadIndexAppliesKBConfig(t *testing.T) {
	dir := t.TempDir()
	writeKB(t, dir, "policy:\n  answer_threshold: 0.95\n  suggest_threshold: 0.3\n")
	for _, path := range []string{dir, filepath.Join(dir, "kb.md")} {
		ix, _, err := LoadIndex(path, DefaultOptions(), true)
		if err != nil {
			t.Fatal(err)
		}
		p := ix.Options().Policy
		if p.AnswerThreshold != 0.95 || p.SuggestThreshold != 0.3 || p.MinMargin != DefaultPolicy().MinMargin {
			t.Errorf("%s: policy = %+v", path, p)
		}
	}
}

func TestBadKBConfigKeepsDefaultsOnOpenAndFailsReload(t *testing.T) {
	dir := t.TempDir()
	writeKB(t, dir, "")
	s, err := Open(dir, DefaultOptions(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ConfigFile), []byte("policy:\n  answer_threshold: 0.9\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := s.Index().Options().Policy.AnswerThreshold; got != 0.9 {
		t.Fatalf("reload did not pick up kb.yaml: answer_threshold = %v", got)
	}
	if err := os.WriteFile(filepath.Join(dir, ConfigFile), []byte("policy: [oops\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(context.Background()); err == nil || !strings.Contains(err.Error(), ConfigFile) {
		t.Fatalf("reload with a broken kb.yaml: %v", err)
	}
	if got := s.Index().Options().Policy.AnswerThreshold; got != 0.9 {
		t.Fatalf("failed reload replaced the index: answer_threshold = %v", got)
	}
	s2, err := Open(dir, DefaultOptions(), nil)
	if err != nil {
		t.Fatalf("a broken kb.yaml must not stop the bot: %v", err)
	}
	if got := s2.Index().Options().Policy; got != DefaultPolicy() {
		t.Fatalf("policy = %+v, want the defaults", got)
	}
}

func TestSourceStampCoversKBConfig(t *testing.T) {
	dir := t.TempDir()
	writeKB(t, dir, "")
	before, err := sourceStamp(dir)
	if err != nil {
		t.Fatal(err)
	}
	writeKB(t, dir, "policy:\n  answer_threshold: 0.7\n")
	after, err := sourceStamp(dir)
	if err != nil {
		t.Fatal(err)
	}
	if before == after {
		t.Fatal("adding kb.yaml does not change the source stamp, so Watch would not reload")
	}
}
