package kbcli_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"deliverybot/bot/redisstore/redistest"
	"deliverybot/knowledge/kbcli"
	"deliverybot/knowledge/kbstore"
)

// kb gaps printed times in the process's zone (UTC on most servers) instead of
// the bot's: --tz, else DELIVERYBOT_TZ, else Asia/Shanghai.
func TestGapsPrintsTimesInTheBotsZone(t *testing.T) {
	saved := time.Local
	time.Local = time.FixedZone("X", -5*3600) // not the bot's zone
	t.Cleanup(func() { time.Local = saved })

	b := redistest.New(t)
	st := kbstore.New(b.Client, b.Prefix)
	ctx := context.Background()
	if err := st.LogUnanswered(ctx, "会议室怎么预订", time.Date(2024, 1, 2, 20, 30, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	c := kbcli.CLI{Prefix: b.Prefix, Redis: func(context.Context) (redis.UniversalClient, func(), error) {
		return b.Client, func() {}, nil
	}}
	gaps := func(ctx context.Context, args ...string) string {
		t.Helper()
		var out, errOut strings.Builder
		if err := c.Run(ctx, append([]string{"gaps", "--kb", demoKB}, args...), &out, &errOut); err != nil {
			t.Fatal(err, errOut.String())
		}
		return out.String()
	}
	t.Setenv("DELIVERYBOT_TZ", "")
	if out := gaps(ctx); !strings.Contains(out, "最近 2024-01-03 04:30") {
		t.Fatalf("default zone is not Asia/Shanghai:\n%s", out)
	}
	if out := gaps(ctx, "--json"); !strings.Contains(out, `"last_seen":"2024-01-03T04:30:00+08:00"`) {
		t.Fatalf("json not in Asia/Shanghai:\n%s", out)
	}
	if out := gaps(kbcli.WithLocation(ctx, time.FixedZone("Y", 3600))); !strings.Contains(out, "最近 2024-01-02 21:30") {
		t.Fatalf("zone from the context ignored:\n%s", out)
	}
	t.Setenv("DELIVERYBOT_TZ", "UTC")
	if out := gaps(ctx); !strings.Contains(out, "最近 2024-01-02 20:30") {
		t.Fatalf("DELIVERYBOT_TZ ignored:\n%s", out)
	}
	if out := gaps(ctx, "--tz", "Asia/Tokyo"); !strings.Contains(out, "最近 2024-01-03 05:30") {
		t.Fatalf("--tz ignored:\n%s", out)
	}
	var out strings.Builder
	if err := c.Run(ctx, []string{"gaps", "--kb", demoKB, "--tz", "Mars/Base"}, &out, &out); !errors.Is(err, kbcli.ErrUsage) {
		t.Fatalf("unknown zone: %v", err)
	}
}

// --n 0 listed everything and --n -1 all but one (Redis range semantics).
func TestGapsAndLearnRejectNonPositiveN(t *testing.T) {
	opened := false
	c := kbcli.CLI{Redis: func(context.Context) (redis.UniversalClient, func(), error) {
		opened = true
		return nil, nil, errors.New("not reached")
	}}
	for _, cmd := range []string{"gaps", "learn"} {
		for _, n := range []string{"0", "-1"} {
			var out strings.Builder
			err := c.Run(context.Background(), []string{cmd, "--kb", demoKB, "--n", n}, &out, &out)
			if !errors.Is(err, kbcli.ErrUsage) || !strings.Contains(err.Error(), "--n") {
				t.Fatalf("%s --n %s: %v", cmd, n, err)
			}
		}
	}
	if opened {
		t.Fatal("the store was opened for a bad --n")
	}
}
