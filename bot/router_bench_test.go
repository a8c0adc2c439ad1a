package bot_test

import (
	"context"
	"fmt"
	"testing"

	"deliverybot/bot"
	"deliverybot/bot/bottest"
	"deliverybot/bot/redisstore/redistest"
)

// BenchmarkRouterFormTurn measures one form turn through the router: load the
// session, step the form, save it with the version check.
func BenchmarkRouterFormTurn(b *testing.B) {
	for _, be := range redistest.Both(b) {
		b.Run(be.Name, func(b *testing.B) {
			h := newBenchHarness(b, be)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				user := fmt.Sprintf("u%d", i%100)
				h.Say(user, "报修")
				h.Say(user, "取消")
				h.Say(user, "确定取消")
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(3*b.N)/1000, "µs/turn")
		})
	}
}

func newBenchHarness(b *testing.B, be *redistest.Backend) *bottest.Harness {
	f := repairForm()
	return bottest.New(b, bottest.WithBackend(be), bottest.WithSetup(func(r *bot.Router, _ *bot.Deps) {
		r.Form(f)
		r.Command([]string{"报修"}, "提交故障", bot.HandlerFunc(func(ctx context.Context, req *bot.Request) ([]bot.Reply, error) {
			return bot.StartForm(ctx, req, f, nil)
		}))
	}))
}
