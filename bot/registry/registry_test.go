package registry

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"deliverybot/bot"
	"deliverybot/bot/dates"
	"deliverybot/bot/redisstore/redistest"
)

func demoData(t *testing.T) *Data {
	t.Helper()
	d, err := LoadFile(demoPath(t))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestResolve(t *testing.T) {
	r := New(demoData(t), nil)
	ctx := context.Background()
	id, err := r.Resolve(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if !id.Known || id.Name != "王敏" || len(id.Projects) != 2 || !id.HasRole("jxjt", bot.RolePM) {
		t.Errorf("demo = %+v", id)
	}
	id, _ = r.Resolve(ctx, "00123")
	if !id.Known || !id.HasRole("jxjt", bot.RoleEngineer) {
		t.Errorf("00123 = %+v", id)
	}
	id, _ = r.Resolve(ctx, "123") // zeros matter: a different person
	if id.Known || len(id.Projects) != 0 || id.UserID != "123" {
		t.Errorf("unknown user resolved as %+v", id)
	}
	var _ bot.IdentityResolver = r
}

func TestUsersListsRoles(t *testing.T) {
	r := New(demoData(t), nil)
	us := r.Users()
	if len(us) < 12 || us[0].ID != "demo" {
		t.Fatalf("users = %+v", us)
	}
	if l := us[0].Label(); !strings.Contains(l, "项目经理@锦绣集团企业微信上线项目") || !strings.Contains(l, "王敏") {
		t.Errorf("label = %q", l)
	}
}

func TestChangesOverlayAndAudit(t *testing.T) {
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			log := &RedisChangeLog{Client: b.Client, Prefix: b.Prefix}
			r := New(demoData(t), log)
			at := time.Date(2026, 11, 26, 10, 0, 0, 0, dates.Shanghai())

			c, p, err := r.Apply(ctx, Change{At: at, User: "demo", Project: "hdyy", Op: OpPhasePercent, Phase: PhaseResearch, Percent: 90})
			if err != nil {
				t.Fatal(err)
			}
			if c.Seq != 1 || p.Phase(PhaseResearch).Percent != 90 || c.UserName != "王敏" {
				t.Errorf("after percent: seq=%d project phase=%+v change=%+v", c.Seq, p.Phase(PhaseResearch), c)
			}
			_, p, err = r.Apply(ctx, Change{At: at, User: "demo", Project: "hdyy", Op: OpPhaseComplete, Phase: PhaseResearch})
			if err != nil {
				t.Fatal(err)
			}
			if i, cur := p.CurrentPhase(); i != 1 || cur.ActualStart != "2026-11-26" || p.Phases[0].ActualEnd != "2026-11-26" {
				t.Errorf("after complete: current %d %+v", i, cur)
			}
			_, _, err = r.Apply(ctx, Change{At: at, User: "demo", Project: "hdyy", Op: OpMilestoneMove, Milestone: "上线", Date: "2027-01-29", Reason: "客户要求延后"})
			if err != nil {
				t.Fatal(err)
			}
			c, _, err = r.Apply(ctx, Change{At: at, User: "demo", Project: "hdyy", Op: OpRiskAdd, Risk: &Risk{Description: "网络改造未完成", Level: LevelHigh}})
			if err != nil || c.Risk.ID != 2 {
				t.Fatalf("risk add: %+v %v", c.Risk, err)
			}
			_, _, err = r.Apply(ctx, Change{At: at, User: "demo", Project: "hdyy", Op: OpRiskClose, RiskID: 1})
			if err != nil {
				t.Fatal(err)
			}

			// A fresh registry over the same Redis sees the same state (another replica).
			r2 := New(demoData(t), &RedisChangeLog{Client: b.Client, Prefix: b.Prefix})
			p, err = r2.Project(ctx, "hdyy")
			if err != nil {
				t.Fatal(err)
			}
			if p.GoLive().Forecast != "2027-01-29" || p.GoLive().Planned != "2027-01-15" || !p.Risk(1).Closed || p.Risk(2) == nil {
				t.Errorf("replica view = %+v %+v", p.GoLive(), p.Risks)
			}
			audit, err := r2.Audit(ctx, "hdyy")
			if err != nil || len(audit) != 5 {
				t.Fatalf("audit = %+v, %v", audit, err)
			}
			if audit[0].Op != OpRiskClose || audit[0].User != "demo" || !audit[0].At.Equal(at) || audit[4].Seq != 1 {
				t.Errorf("audit newest first with who/when: %+v", audit[0])
			}
			if !strings.Contains(audit[2].Summary, "2027-01-15 → 2027-01-29") || !strings.Contains(audit[2].Summary, "客户要求延后") {
				t.Errorf("audit summary = %q", audit[2].Summary)
			}
			// The file data itself is untouched.
			if base, _ := r2.Base().Project("hdyy"); base.Phases[0].Percent != 70 {
				t.Errorf("base mutated: %+v", base.Phases[0])
			}
		})
	}
}

func TestApplyRejectsInvalidChanges(t *testing.T) {
	ctx := context.Background()
	r := New(demoData(t), &MemoryChangeLog{})
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, dates.Shanghai())
	bad := []Change{
		{Op: OpPhasePercent, Phase: "需求分析", Percent: 10},
		{Op: OpPhasePercent, Phase: PhaseResearch, Percent: 101},
		{Op: OpPhaseComplete, Phase: PhaseResearch}, // jxjt already closed it
		{Op: OpMilestoneMove, Milestone: "验收", Date: "2026-12-20"},
		{Op: OpRiskClose, RiskID: 9},
		{Op: OpRiskAdd, Risk: &Risk{}},
	}
	for _, c := range bad {
		c.At, c.User, c.Project = at, "demo", "jxjt"
		if _, _, err := r.Apply(ctx, c); !errors.Is(err, ErrInvalidChange) {
			t.Errorf("%s: err = %v, want ErrInvalidChange", c.Op, err)
		}
	}
	if a, _ := r.Audit(ctx, "jxjt"); len(a) != 0 {
		t.Errorf("rejected changes were logged: %+v", a)
	}
	if _, _, err := New(demoData(t), nil).Apply(ctx, Change{Project: "jxjt", Op: OpRiskClose, RiskID: 1}); !errors.Is(err, ErrReadOnly) {
		t.Errorf("read-only err = %v", err)
	}
}

func TestConcurrentRiskAddsGetDistinctIDs(t *testing.T) {
	ctx := context.Background()
	b := redistest.New(t)
	r := New(demoData(t), &RedisChangeLog{Client: b.Client, Prefix: b.Prefix})
	var wg sync.WaitGroup
	ids := make([]int, 8)
	for i := range ids {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c, _, err := r.Apply(ctx, Change{At: time.Now(), User: "demo", Project: "jxjt", Op: OpRiskAdd, Risk: &Risk{Description: "并发风险", Level: LevelLow}})
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = c.Risk.ID
		}(i)
	}
	wg.Wait()
	seen := map[int]bool{}
	for _, id := range ids {
		if seen[id] || id < 4 {
			t.Fatalf("risk IDs not distinct/new: %v", ids)
		}
		seen[id] = true
	}
}

func TestReloadKeepsOldDataOnError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "projects.yaml")
	if err := os.WriteFile(path, []byte(base), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(base, "name: 测试项目", "name: 新名称", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	if p, _ := r.Base().Project("p1"); p.Name != "新名称" {
		t.Errorf("reload not applied: %s", p.Name)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(base, "level: 高", "level: ?", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := r.Reload(); err == nil {
		t.Fatal("reload of an invalid file succeeded")
	}
	if p, _ := r.Base().Project("p1"); p.Name != "新名称" {
		t.Errorf("invalid reload replaced data: %s", p.Name)
	}
}

func TestWatchReloadsChangedFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "projects.yaml")
	if err := os.WriteFile(path, []byte(base), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Watch(ctx, 5*time.Millisecond); close(done) }()
	defer func() { cancel(); <-done }()
	if err := os.WriteFile(path, []byte(strings.Replace(base, "name: 测试项目", "name: 改名后的项目", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if p, _ := r.Base().Project("p1"); p.Name == "改名后的项目" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("watch did not reload the changed file")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
