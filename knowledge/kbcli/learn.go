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

// runLearn implements `kb learn [--kb DIR] [--min 1] [--n 200] [--dry-run] [--json]`:
// the questions users picked an entry for (kb gaps) become that entry's
// 相似问法 in its Markdown file, so the next user asking that way is answered.
func (c CLI) runLearn(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kb learn", flag.ContinueOnError)
	fs.SetOutput(stderr)
	kbPath := fs.String("kb", defaultKBPath(), "知识库目录（Markdown 条目会被就地改写）")
	minCount := fs.Int("min", 1, "至少被选中几次的问法才加入")
	n := fs.Int("n", 200, "最多处理多少个选中的问法")
	dryRun := fs.Bool("dry-run", false, "只列出会做的改动，不写文件")
	asJSON := fs.Bool("json", false, "以 JSON 输出")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 1 {
		return usageErr(fmt.Sprintf("--n 应为正整数，收到 %d", *n))
	}
	st, closeFn, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer closeFn()
	picks, err := st.TopPicks(ctx, *n)
	if err != nil {
		return err
	}
	var chosen []kbstore.Pick
	var adds []knowledge.Learned
	for _, p := range picks {
		if p.Count >= int64(*minCount) {
			chosen = append(chosen, p)
			adds = append(adds, knowledge.Learned{EntryID: p.EntryID, Phrasing: p.Question})
		}
	}
	out, err := knowledge.AddPhrasings(*kbPath, adds, *dryRun)
	if err != nil {
		return err
	}
	if !*dryRun {
		// Outcomes come in the order of adds. A phrasing now in the KB is done.
		for i, o := range out {
			if o.Status == knowledge.LearnAdded || o.Status == knowledge.LearnKnown {
				if err := st.ForgetPick(ctx, chosen[i].Question, chosen[i].EntryID); err != nil {
					return err
				}
			}
		}
	}
	if *asJSON {
		if out == nil {
			out = []knowledge.LearnOutcome{}
		}
		return json.NewEncoder(stdout).Encode(out)
	}
	printLearned(stdout, out, *dryRun)
	return nil
}

var learnLabels = map[string]string{
	knowledge.LearnAdded:    "加入",
	knowledge.LearnKnown:    "已有",
	knowledge.LearnConflict: "跳过（与另一个条目的问法重复）",
	knowledge.LearnManual:   "请手动加入（条目来自 CSV/Excel，不自动改写）",
	knowledge.LearnMissing:  "跳过（条目已不存在）",
	knowledge.LearnEmpty:    "跳过（问法为空）",
	knowledge.LearnShort:    "跳过（太短，像单个主题词：这样问应继续给出建议，不直接回答）",
	knowledge.LearnCut:      "跳过（以「…」结尾，记录时已被截断，不是用户的完整问法）",
}

func printLearned(w io.Writer, out []knowledge.LearnOutcome, dryRun bool) {
	if len(out) == 0 {
		fmt.Fprintln(w, "没有可加入的问法：用户在「您是不是想问」里选中某个条目后，他原来的问法才会出现在这里。")
		return
	}
	added := 0
	for _, o := range out {
		label := learnLabels[o.Status]
		if o.Status == knowledge.LearnAdded {
			added++
			if dryRun {
				label = "将加入"
			}
		}
		fmt.Fprintf(w, "  %s %s ← %s", label, o.EntryID, o.Phrasing)
		if o.Source != "" {
			fmt.Fprintf(w, "（%s）", o.Source)
		}
		fmt.Fprintln(w)
	}
	switch {
	case dryRun:
		fmt.Fprintf(w, "共 %d 个问法可加入；去掉 --dry-run 即写入。\n", added)
	case added > 0:
		fmt.Fprintf(w, "已把 %d 个问法写入相似问法；运行中的服务几秒内会自动重新加载（或运行 kb reload）。\n", added)
	}
}
