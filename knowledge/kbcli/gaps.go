package kbcli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"deliverybot/knowledge"
	"deliverybot/knowledge/kbstore"
)

// DefaultTimeZone is the bot's time zone when neither --tz nor DELIVERYBOT_TZ is set.
const DefaultTimeZone = "Asia/Shanghai"

type locationKey struct{}

// WithLocation gives kb gaps the bot's time zone (the deliverybot command may
// set it from the same --tz / DELIVERYBOT_TZ as chat and serve).
func WithLocation(ctx context.Context, loc *time.Location) context.Context {
	return context.WithValue(ctx, locationKey{}, loc)
}

// gapsLocation is the zone kb gaps prints times in: its own --tz, else the
// zone the caller put in ctx, else DELIVERYBOT_TZ, else Asia/Shanghai — never
// the process's local zone, which on a server is usually UTC.
func gapsLocation(ctx context.Context, tz string) (*time.Location, error) {
	if tz == "" {
		if loc, _ := ctx.Value(locationKey{}).(*time.Location); loc != nil {
			return loc, nil
		}
		tz = os.Getenv("DELIVERYBOT_TZ")
	}
	if tz == "" {
		tz = DefaultTimeZone
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		if tz == DefaultTimeZone {
			return time.FixedZone("CST", 8*3600), nil // no tz database; China has no DST
		}
		return nil, usageErr(fmt.Sprintf("未知的时区 %q（--tz / DELIVERYBOT_TZ，例如 Asia/Shanghai）", tz))
	}
	return loc, nil
}

// runGaps implements `kb gaps [--n 20] [--kb PATH] [--tz ZONE] [--json]`.
func (c CLI) runGaps(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kb gaps", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 20, "每类最多列出几条")
	kbPath := fs.String("kb", defaultKBPath(), "知识库（用来显示条目的问题）")
	asJSON := fs.Bool("json", false, "以 JSON 输出")
	tz := fs.String("tz", "", "显示时间所用的时区（默认 DELIVERYBOT_TZ，未设置时 "+DefaultTimeZone+"）")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 1 {
		return usageErr(fmt.Sprintf("--n 应为正整数，收到 %d", *n))
	}
	loc, err := gapsLocation(ctx, *tz)
	if err != nil {
		return err
	}
	st, closeFn, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer closeFn()
	gaps, err := st.TopGaps(ctx, *n)
	if err != nil {
		return err
	}
	useless, err := st.TopUseless(ctx, *n)
	if err != nil {
		return err
	}
	picks, err := st.TopPicks(ctx, *n)
	if err != nil {
		return err
	}
	kb := loadGapKB(*kbPath, stderr)
	picks = kb.newPhrasings(picks)
	for i := range gaps {
		gaps[i].LastSeen = gaps[i].LastSeen.In(loc)
	}
	for i := range picks {
		picks[i].LastSeen = picks[i].LastSeen.In(loc)
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(gapsJSON(kb, gaps, useless, picks))
	}
	printGaps(stdout, kb, gaps, useless, picks)
	return nil
}

// printGaps lists what runGaps collected; times are already in the bot's zone.
func printGaps(w io.Writer, kb gapKB, gaps []kbstore.Gap, useless []kbstore.EntryFeedback, picks []kbstore.Pick) {
	fmt.Fprintln(w, "最常见的未回答问题（及最接近的条目，供判断是补充相似问法还是新写条目）：")
	if len(gaps) == 0 {
		fmt.Fprintln(w, "  （暂无）")
	}
	for i, g := range gaps {
		fmt.Fprintf(w, "  %2d. %s（%d 次，最近 %s）\n", i+1, g.Question, g.Count, g.LastSeen.Format("2006-01-02 15:04"))
		if near, ok := kb.nearest(g.Question); ok {
			fmt.Fprintf(w, "      最接近：%s %s（相似度 %.2f）\n", near.EntryID, near.Question, near.Confidence)
		}
	}
	fmt.Fprintln(w, "用户在「您是不是想问」里选中的条目（可直接加为该条目的相似问法）：")
	if len(picks) == 0 {
		fmt.Fprintln(w, "  （暂无）")
	}
	for i, p := range picks {
		fmt.Fprintf(w, "  %2d. %s → %s %s（%d 次）\n", i+1, p.Question, p.EntryID, kb.question(p.EntryID), p.Count)
	}
	fmt.Fprintln(w, "被标为「没用」最多的条目：")
	if len(useless) == 0 {
		fmt.Fprintln(w, "  （暂无）")
	}
	for i, u := range useless {
		fmt.Fprintf(w, "  %2d. %s %s（没用 %d，有用 %d）\n", i+1, u.EntryID, kb.question(u.EntryID), u.Useless, u.Useful)
	}
}

// gapKB is the knowledge base as kb gaps uses it: entry questions by ID and an
// index to name the entry closest to each unanswered question. Both are empty
// when the KB cannot be loaded; the counts are still worth showing.
type gapKB struct {
	questions map[string]string
	phrasings map[string]bool // entry ID + "\x00" + basic-normalised phrasing
	index     *knowledge.Index
}

func loadGapKB(path string, stderr io.Writer) gapKB {
	g := gapKB{questions: map[string]string{}, phrasings: map[string]bool{}}
	kb, err := knowledge.Load(path)
	if err != nil {
		fmt.Fprintf(stderr, "提示：无法读取知识库 %s（%v），只列出计数。\n", path, err)
		return g
	}
	for _, e := range kb.Entries {
		g.questions[e.ID] = e.Question
		for _, p := range e.Phrasings() {
			g.phrasings[e.ID+"\x00"+knowledge.BasicNormalize(p)] = true
		}
	}
	if opts, _, err := kb.IndexOptions(knowledge.DefaultOptions()); err != nil {
		fmt.Fprintf(stderr, "提示：无法校准知识库（%v），不显示最接近的条目。\n", err)
	} else if ix, err := knowledge.BuildIndex(kb.Entries, kb.Synonyms, opts); err == nil {
		g.index = ix
	}
	return g
}

// newPhrasings drops picks the entry already has as a phrasing (added by kb
// learn, or by hand, since they were picked).
func (g gapKB) newPhrasings(picks []kbstore.Pick) []kbstore.Pick {
	out := picks[:0]
	for _, p := range picks {
		if !g.phrasings[p.EntryID+"\x00"+knowledge.BasicNormalize(p.Question)] {
			out = append(out, p)
		}
	}
	return out
}

func (g gapKB) question(id string) string {
	if q, ok := g.questions[id]; ok {
		return q
	}
	return "（知识库中已没有这个条目）"
}

// nearEntry is the best candidate for an unanswered question.
type nearEntry struct {
	EntryID    string  `json:"entry_id"`
	Question   string  `json:"question"`
	Confidence float64 `json:"confidence"`
}

func (g gapKB) nearest(q string) (nearEntry, bool) {
	if g.index == nil {
		return nearEntry{}, false
	}
	top, ok := g.index.Search(q, 1).Top()
	if !ok {
		return nearEntry{}, false
	}
	return nearEntry{EntryID: top.Entry.ID, Question: top.Entry.Question, Confidence: math.Round(top.Score*100) / 100}, true
}

func gapsJSON(kb gapKB, gaps []kbstore.Gap, useless []kbstore.EntryFeedback, picks []kbstore.Pick) any {
	type gap struct {
		kbstore.Gap
		Nearest *nearEntry `json:"nearest,omitempty"`
	}
	type rated struct {
		kbstore.EntryFeedback
		Question string `json:"question,omitempty"`
	}
	type pick struct {
		kbstore.Pick
		EntryQuestion string `json:"entry_question,omitempty"`
	}
	out := struct {
		Unanswered []gap   `json:"unanswered"`
		Useless    []rated `json:"useless"`
		Picked     []pick  `json:"picked"`
	}{Unanswered: []gap{}, Useless: []rated{}, Picked: []pick{}}
	for _, g := range gaps {
		row := gap{Gap: g}
		if near, ok := kb.nearest(g.Question); ok {
			row.Nearest = &near
		}
		out.Unanswered = append(out.Unanswered, row)
	}
	for _, u := range useless {
		out.Useless = append(out.Useless, rated{u, kb.questions[u.EntryID]})
	}
	for _, p := range picks {
		out.Picked = append(out.Picked, pick{p, kb.questions[p.EntryID]})
	}
	return out
}
