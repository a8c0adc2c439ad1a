package registry

import (
	"errors"
	"strings"
	"testing"
	"time"

	"deliverybot/bot/dates"
)

func demoProject(t *testing.T, id string) Project {
	t.Helper()
	p, ok := demoData(t).Project(id)
	if !ok {
		t.Fatalf("no demo project %s", id)
	}
	return p.Clone()
}

// Only the current phase can be completed by a new change; an already closed
// phase keeps its own message; a logged change (Seq > 0) still replays.
func TestApplyCompleteOnlyCurrentPhase(t *testing.T) {
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, dates.Shanghai())
	p := demoProject(t, "hdyy") // current phase 需求调研 70%
	c := Change{At: at, Op: OpPhaseComplete, Phase: PhaseDesign}
	err := Apply(&p, &c, dates.Shanghai())
	if !errors.Is(err, ErrInvalidChange) || !strings.Contains(err.Error(), "当前阶段是「需求调研」（70%）") || !strings.Contains(err.Error(), "「方案设计」") {
		t.Fatalf("complete 方案设计 during 需求调研: err = %v", err)
	}
	if p.Phase(PhaseDesign).Done() || p.Phase(PhaseBuild).ActualStart != "" {
		t.Fatalf("refused change mutated the project: %+v", p.Phases)
	}

	c = Change{At: at, Op: OpPhaseComplete, Phase: PhaseResearch}
	if err := Apply(&p, &c, dates.Shanghai()); err != nil || c.Summary != "完成阶段 需求调研，进入 方案设计" {
		t.Fatalf("complete current phase: %v %q", err, c.Summary)
	}
	c = Change{At: at, Op: OpPhaseComplete, Phase: PhaseResearch}
	if err := Apply(&p, &c, dates.Shanghai()); err == nil || !strings.Contains(err.Error(), "阶段「需求调研」已于 2026-11-26 完成") {
		t.Fatalf("complete a closed phase again: %v", err)
	}

	// Replay of a change already in the log is not re-judged.
	p = demoProject(t, "hdyy")
	c = Change{Seq: 3, At: at, Op: OpPhaseComplete, Phase: PhaseDesign}
	if err := Apply(&p, &c, dates.Shanghai()); err != nil || !p.Phase(PhaseDesign).Done() {
		t.Fatalf("logged change not replayed: %v", err)
	}
}

func TestApplyMilestoneMoveNotInThePast(t *testing.T) {
	at := time.Date(2026, 11, 26, 23, 30, 0, 0, dates.Shanghai())
	for _, d := range []Date{"2025-01-01", "2026-11-25"} {
		p := demoProject(t, "jxjt")
		c := Change{At: at, Op: OpMilestoneMove, Milestone: "上线", Date: d}
		err := Apply(&p, &c, dates.Shanghai())
		if !errors.Is(err, ErrInvalidChange) || !strings.Contains(err.Error(), "早于今天（2026-11-26）") {
			t.Errorf("move to %s: err = %v", d, err)
		}
		if f := p.GoLive().Forecast; f != "2026-12-18" {
			t.Errorf("refused move changed the forecast to %s", f)
		}
	}
	// Today is fine; "today" is the change's own time in the registry zone.
	p := demoProject(t, "jxjt")
	c := Change{At: at, Op: OpMilestoneMove, Milestone: "上线", Date: "2026-11-26"}
	if err := Apply(&p, &c, dates.Shanghai()); err != nil {
		t.Fatalf("move to today: %v", err)
	}
	// A logged move replays even when it was to a past date.
	p = demoProject(t, "jxjt")
	c = Change{Seq: 1, At: at, Op: OpMilestoneMove, Milestone: "上线", Date: "2025-01-01"}
	if err := Apply(&p, &c, dates.Shanghai()); err != nil || p.GoLive().Forecast != "2025-01-01" {
		t.Fatalf("logged move not replayed: %v", err)
	}
}

func TestApplyPercentDecreaseSaysSo(t *testing.T) {
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, dates.Shanghai())
	p := demoProject(t, "hdyy")
	c := Change{At: at, Op: OpPhasePercent, Phase: PhaseResearch, Percent: 50}
	if err := Apply(&p, &c, dates.Shanghai()); err != nil || c.Summary != "需求调研 进度回退：70% → 50%" {
		t.Fatalf("decrease: %v %q", err, c.Summary)
	}
	c = Change{At: at, Op: OpPhasePercent, Phase: PhaseResearch, Percent: 60}
	if err := Apply(&p, &c, dates.Shanghai()); err != nil || c.Summary != "需求调研 进度 50% → 60%" {
		t.Fatalf("increase: %v %q", err, c.Summary)
	}
	c = Change{At: at, Op: OpPhasePercent, Phase: PhaseResearch, Percent: -10}
	if err := Apply(&p, &c, dates.Shanghai()); !errors.Is(err, ErrInvalidChange) {
		t.Fatalf("negative percent: %v", err)
	}
}

func TestApplyMessagesUseCornerQuotes(t *testing.T) {
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, dates.Shanghai())
	bad := []Change{
		{Op: OpPhasePercent, Phase: "需求分析", Percent: 10},
		{Op: OpPhasePercent, Phase: PhaseResearch, Percent: 10}, // closed in jxjt
		{Op: OpPhaseComplete, Phase: PhaseDesign},               // closed in jxjt
		{Op: OpMilestoneMove, Milestone: "验收", Date: "2026-12-20"},
		{Op: OpMilestoneDone, Milestone: "方案评审"},
	}
	for _, c := range bad {
		p := demoProject(t, "jxjt")
		c.At = at
		err := Apply(&p, &c, dates.Shanghai())
		if err == nil || strings.ContainsAny(err.Error(), "“”") || !strings.Contains(err.Error(), "「") {
			t.Errorf("%s: err = %v, want 「」 quotes", c.Op, err)
		}
	}
}

func TestApplyCloseClosedRisk(t *testing.T) {
	p := demoProject(t, "jxjt")
	c := Change{Op: OpRiskClose, RiskID: 2}
	if err := Apply(&p, &c, dates.Shanghai()); err != nil {
		t.Fatal(err)
	}
	c = Change{Op: OpRiskClose, RiskID: 2}
	if err := Apply(&p, &c, dates.Shanghai()); err == nil || !strings.Contains(err.Error(), "风险 #2 之前已经关闭，无需再关") {
		t.Fatalf("close twice: %v", err)
	}
}

func TestLevelWords(t *testing.T) {
	for word, want := range map[string]string{
		"高": LevelHigh, "高风险": LevelHigh, "超高": LevelHigh, "很高": LevelHigh, "严重": LevelHigh, "紧急": LevelHigh,
		"中": LevelMedium, "中等": LevelMedium, "一般": LevelMedium, "普通": LevelMedium,
		"低": LevelLow, "轻微": LevelLow, "较低": LevelLow,
	} {
		if got, ok := LevelOf(word); !ok || got != want {
			t.Errorf("LevelOf(%q) = %q %v, want %q", word, got, ok, want)
		}
	}
	for _, word := range []string{"中高", "特高", "高中低"} {
		if _, ok := LevelOf(word); ok || !LooksLikeLevel(word) {
			t.Errorf("%q: should look like an unknown level", word)
		}
	}
	for _, word := range []string{"高并发", "机房漏水", "中间件", "风险", "", "严重严重严重"} {
		if LooksLikeLevel(word) {
			t.Errorf("%q looks like a level", word)
		}
	}
}
