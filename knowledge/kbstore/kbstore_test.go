package kbstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"deliverybot/bot/redisstore/redistest"
	"deliverybot/knowledge/kbstore"
)

func TestVotesCountOncePerUserAndMove(t *testing.T) {
	ctx := context.Background()
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			s := kbstore.New(b.Client, b.Prefix)
			steps := []struct {
				user    string
				vote    kbstore.Vote
				changed bool
			}{
				{"u1", kbstore.Useful, true},
				{"u1", kbstore.Useful, false}, // double click
				{"u2", kbstore.Useless, true},
				{"u3", kbstore.Useless, true},
				{"u1", kbstore.Useless, true}, // changed their mind
			}
			for i, st := range steps {
				changed, err := s.RecordVote(ctx, "vpn-install", st.user, st.vote)
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if changed != st.changed {
					t.Fatalf("step %d: changed = %v, want %v", i, changed, st.changed)
				}
			}
			fb, err := s.Feedback(ctx, "vpn-install")
			if err != nil {
				t.Fatal(err)
			}
			if fb.Useful != 0 || fb.Useless != 3 {
				t.Fatalf("feedback = %+v, want 0 useful / 3 useless", fb)
			}
			if _, err := s.RecordVote(ctx, "other", "u1", kbstore.Useless); err != nil {
				t.Fatal(err)
			}
			if _, err := s.RecordVote(ctx, "liked", "u1", kbstore.Useful); err != nil {
				t.Fatal(err)
			}
			top, err := s.TopUseless(ctx, 10)
			if err != nil {
				t.Fatal(err)
			}
			want := []kbstore.EntryFeedback{{EntryID: "vpn-install", Useless: 3}, {EntryID: "other", Useless: 1}}
			if fmt.Sprint(top) != fmt.Sprint(want) {
				t.Fatalf("TopUseless = %+v, want %+v", top, want)
			}
		})
	}
}

func TestVoteRejectsBadInput(t *testing.T) {
	s := kbstore.New(redistest.New(t).Client, redistest.RandomPrefix())
	if _, err := s.RecordVote(context.Background(), "", "u1", kbstore.Useful); err == nil {
		t.Fatal("empty entry ID accepted")
	}
	if _, err := s.RecordVote(context.Background(), "x", "u1", "meh"); err == nil {
		t.Fatal("bad vote accepted")
	}
}

func TestGapsCountedGroupedAndTrimmed(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			s := kbstore.New(b.Client, b.Prefix).WithMaxGaps(3)
			asks := []string{"会议室怎么预订", "会议室怎么预订？", "企业微信怎么发红包", "會議室怎麼預訂", "食堂几点开门", "打印机没纸了"}
			for i, q := range asks {
				if err := s.LogUnanswered(ctx, q, t0.Add(time.Duration(i)*time.Minute)); err != nil {
					t.Fatal(err)
				}
			}
			gaps, err := s.TopGaps(ctx, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(gaps) != 3 {
				t.Fatalf("kept %d gaps, want 3 (trimmed): %+v", len(gaps), gaps)
			}
			top := gaps[0]
			if top.Count != 3 || top.Key != "会议室怎么预订" || top.Question != "會議室怎麼預訂" || !top.LastSeen.Equal(t0.Add(3*time.Minute)) {
				t.Fatalf("top gap = %+v", top)
			}
			if gaps[2].Question != "打印机没纸了" {
				t.Fatalf("the newest question must survive trimming: %+v", gaps)
			}
			if err := s.ForgetGap(ctx, "会议室怎么预订"); err != nil {
				t.Fatal(err)
			}
			gaps, _ = s.TopGaps(ctx, 10)
			for _, g := range gaps {
				if g.Key == "会议室怎么预订" {
					t.Fatal("forgotten gap still listed")
				}
			}
		})
	}
}

func TestPicksCountedPerQuestionAndEntry(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			s := kbstore.New(b.Client, b.Prefix)
			picks := []struct{ q, id string }{
				{"vpn一直转圈", "vpn-cannot-login"},
				{"VPN一直转圈！", "vpn-cannot-login"}, // same question after normalising
				{"vpn一直转圈", "vpn-unstable"},      // same words, another entry chosen
				{"报销单怎么撤掉", "approval-withdraw"},
				{"", "approval-withdraw"}, // nothing to learn from
			}
			for i, p := range picks {
				if err := s.LogPick(ctx, p.q, p.id, t0.Add(time.Duration(i)*time.Minute)); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.TopPicks(ctx, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 3 {
				t.Fatalf("TopPicks = %+v, want 3 pairs", got)
			}
			top := got[0]
			if top.EntryID != "vpn-cannot-login" || top.Count != 2 || top.Question != "VPN一直转圈！" || !top.LastSeen.Equal(t0.Add(time.Minute)) {
				t.Fatalf("top pick = %+v", top)
			}
			ids := map[string]bool{}
			for _, p := range got[1:] {
				ids[p.EntryID] = p.Count == 1
			}
			if !ids["vpn-unstable"] || !ids["approval-withdraw"] {
				t.Fatalf("other picks = %+v", got[1:])
			}
			gaps, err := s.TopGaps(ctx, 10)
			if err != nil || len(gaps) != 0 {
				t.Fatalf("picks leaked into gaps: %+v, %v", gaps, err)
			}
			// Retracting: once from two, then the last one (gone), then one never logged.
			for _, r := range []struct{ q, id string }{
				{"vpn一直转圈", "vpn-cannot-login"}, {"报销单怎么撤掉", "approval-withdraw"}, {"从没问过", "vpn-install"},
			} {
				if err := s.RetractPick(ctx, r.q, r.id); err != nil {
					t.Fatal(err)
				}
			}
			got, err = s.TopPicks(ctx, 10)
			if err != nil {
				t.Fatal(err)
			}
			left := map[string]int64{}
			for _, p := range got {
				left[p.EntryID] = p.Count
			}
			if len(got) != 2 || left["vpn-cannot-login"] != 1 || left["vpn-unstable"] != 1 {
				t.Fatalf("after retracting: %+v", got)
			}
		})
	}
}

func TestKeysShareOneHashTagUnderPrefix(t *testing.T) {
	b := redistest.Mini(t)
	s := kbstore.New(b.Client, b.Prefix)
	ctx := context.Background()
	if _, err := s.RecordVote(ctx, "e1", "u1", kbstore.Useful); err != nil {
		t.Fatal(err)
	}
	if err := s.LogUnanswered(ctx, "问题", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.LogPick(ctx, "问题", "e1", time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, k := range b.Mini.Keys() {
		want := "{" + b.Prefix + "kb}:"
		if len(k) < len(want) || k[:len(want)] != want {
			t.Fatalf("key %q not under hash tag %q", k, want)
		}
	}
}
