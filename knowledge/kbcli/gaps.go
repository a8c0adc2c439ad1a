package kbcli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"deliverybot/knowledge"
	"deliverybot/knowledge/kbstore"
)

// runGaps implements `kb gaps [--n 20] [--kb PATH] [--json]`.
func (c CLI) runGaps(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kb gaps", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 20, "每类最多列出几条")
	kbPath := fs.String("kb", defaultKBPath(), "知识库（用来显示条目的问题）")
	asJSON := fs.Bool("json", false, "以 JSON 输出")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rdb, closeFn, err := c.openRedis(ctx)
	if err != nil {
		return err
	}
	defer closeFn()
	st := kbstore.New(rdb, c.prefix())
	gaps, err := st.TopGaps(ctx, *n)
	if err != nil {
		return err
	}
	useless, err := st.TopUseless(ctx, *n)
	if err != nil {
		return err
	}
	questions := map[string]string{}
	if kb, err := knowledge.Load(*kbPath); err == nil {
		for _, e := range kb.Entries {
			questions[e.ID] = e.Question
		}
	}
	if *asJSON {
		type rated struct {
			kbstore.EntryFeedback
			Question string `json:"question,omitempty"`
		}
		out := struct {
			Unanswered []kbstore.Gap `json:"unanswered"`
			Useless    []rated       `json:"useless"`
		}{Unanswered: gaps, Useless: []rated{}}
		if out.Unanswered == nil {
			out.Unanswered = []kbstore.Gap{}
		}
		for _, u := range useless {
			out.Useless = append(out.Useless, rated{u, questions[u.EntryID]})
		}
		return json.NewEncoder(stdout).Encode(out)
	}
	fmt.Fprintln(stdout, "最常见的未回答问题：")
	if len(gaps) == 0 {
		fmt.Fprintln(stdout, "  （暂无）")
	}
	for i, g := range gaps {
		fmt.Fprintf(stdout, "  %2d. %s（%d 次，最近 %s）\n", i+1, g.Question, g.Count, g.LastSeen.Local().Format("2006-01-02 15:04"))
	}
	fmt.Fprintln(stdout, "被标为「没用」最多的条目：")
	if len(useless) == 0 {
		fmt.Fprintln(stdout, "  （暂无）")
	}
	for i, u := range useless {
		q := questions[u.EntryID]
		if q == "" {
			q = "（知识库中已没有这个条目）"
		}
		fmt.Fprintf(stdout, "  %2d. %s %s（没用 %d，有用 %d）\n", i+1, u.EntryID, q, u.Useless, u.Useful)
	}
	return nil
}
