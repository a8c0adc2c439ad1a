package status

import (
	"context"
	"sync"
	"testing"
	"time"

	"deliverybot/bot/bottest"
	"deliverybot/bot/dates"
	"deliverybot/bot/redisstore/redistest"
	"deliverybot/bot/registry"
)

func TestDigestFiresOnceWithTwoSchedulers(t *testing.T) {
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			data, err := registry.LoadFile(demoPath())
			if err != nil {
				t.Fatal(err)
			}
			notifier := &bottest.Notifier{}
			var digests []*Digest
			for range 2 { // two replicas: separate services, one Redis
				svc := New(Deps{Registry: registry.New(data, &registry.RedisChangeLog{Client: b.Client, Prefix: b.Prefix})})
				d, err := svc.NewDigest(DigestConfig{Redis: b.Client, Prefix: b.Prefix, Notifier: notifier})
				if err != nil {
					t.Fatal(err)
				}
				digests = append(digests, d)
			}
			slot := digests[0].Next(time.Date(2026, 11, 26, 10, 0, 0, 0, dates.Shanghai()))
			var wg sync.WaitGroup
			sent := make([]int, 2)
			for i, d := range digests {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n, err := d.Fire(context.Background(), slot)
					if err != nil {
						t.Error(err)
					}
					sent[i] = n
				}()
			}
			wg.Wait()
			if sent[0]+sent[1] != 2 { // two PMs in the demo: demo and chenjing
				t.Fatalf("PMs served = %v, want 2 in total", sent)
			}
			demo := notifier.Inbox("demo")
			if len(demo) != 3 { // header + two projects, once
				t.Fatalf("demo got %d messages, want 3:\n%s", len(demo), bottest.PlainText(demo))
			}
			bottest.MustContain(t, bottest.PlainText(demo), "项目周报 · 2026-11-30", "锦绣集团", "华东医院")
			if n := len(notifier.Inbox("chenjing")); n != 2 {
				t.Fatalf("chenjing got %d messages, want 2", n)
			}
			if n := len(notifier.Inbox("zhengkai")); n != 0 {
				t.Fatalf("a client got the PM digest (%d messages)", n)
			}
			// Firing the same slot again (a late replica) sends nothing; next week does.
			if n, _ := digests[1].Fire(context.Background(), slot); n != 0 {
				t.Fatalf("refire sent %d", n)
			}
			if n, _ := digests[1].Fire(context.Background(), digests[1].Next(slot)); n != 2 {
				t.Fatalf("next week sent %d, want 2", n)
			}
		})
	}
}

func TestDigestScheduleIsZoneAware(t *testing.T) {
	data, _ := registry.LoadFile(demoPath())
	svc := New(Deps{Registry: registry.New(data, nil)})
	b := redistest.New(t)
	d, err := svc.NewDigest(DigestConfig{Redis: b.Client, Notifier: &bottest.Notifier{}})
	if err != nil {
		t.Fatal(err)
	}
	// Sunday 2026-11-29 23:30 UTC is already Monday 07:30 in Shanghai: next is 09:00 that Monday.
	got := d.Next(time.Date(2026, 11, 29, 23, 30, 0, 0, time.UTC))
	want := time.Date(2026, 11, 30, 9, 0, 0, 0, dates.Shanghai())
	if !got.Equal(want) {
		t.Fatalf("next = %v, want %v", got, want)
	}
	ny, _ := time.LoadLocation("America/New_York")
	d2, err := svc.NewDigest(DigestConfig{Spec: "30 8 * * 5", Location: ny, Redis: b.Client, Notifier: &bottest.Notifier{}})
	if err != nil {
		t.Fatal(err)
	}
	if got := d2.Next(want); !got.Equal(time.Date(2026, 12, 4, 8, 30, 0, 0, ny)) {
		t.Fatalf("custom spec next = %v", got)
	}
	if _, err := svc.NewDigest(DigestConfig{Spec: "every monday", Redis: b.Client, Notifier: &bottest.Notifier{}}); err == nil {
		t.Fatal("bad cron spec accepted")
	}
}
