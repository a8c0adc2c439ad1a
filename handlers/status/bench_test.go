package status

import (
	"context"
	"fmt"
	"testing"

	"deliverybot/bot/registry"
)

// BenchmarkStatusQuery measures a full "进度 锦绣" through the router (session load/save,
// identity, overlay replay of 100 logged changes, render).
func BenchmarkStatusQuery(b *testing.B) {
	e := newEnvB(b)
	ctx := context.Background()
	for i := range 100 {
		if _, _, err := e.reg.Apply(ctx, registry.Change{At: e.h.Clock.Now(), User: "demo", Project: "jxjt",
			Op: registry.OpPhasePercent, Phase: registry.PhaseBuild, Percent: i % 100}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if out := e.h.Say("demo", "进度 锦绣"); len(out) != 1 {
			b.Fatal(fmt.Sprint(out))
		}
	}
}

// BenchmarkPortfolio measures 所有项目 over the demo registry.
func BenchmarkPortfolio(b *testing.B) {
	e := newEnvB(b)
	for b.Loop() {
		if out := e.h.Say("demo", "所有项目"); len(out) != 1 {
			b.Fatal(fmt.Sprint(out))
		}
	}
}
