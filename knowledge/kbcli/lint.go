package kbcli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"deliverybot/knowledge"
)

// runLint implements `kb lint [DIR] [--json]`. Rejected rows and exact
// duplicates fail the command; near duplicates are warnings.
func runLint(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kb lint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "以 JSON 输出")
	pos, err := ParseInterspersed(fs, args)
	if err != nil {
		return err
	}
	dir := defaultKBPath()
	if len(pos) > 0 {
		dir = pos[0]
	}
	kb, err := knowledge.Load(dir)
	if err != nil {
		return err
	}
	issues := knowledge.Lint(kb)
	failing := 0
	for _, is := range issues {
		if !is.Kind.Warning() {
			failing++
		}
	}
	if *asJSON {
		if issues == nil {
			issues = []knowledge.LintIssue{}
		}
		if err := json.NewEncoder(stdout).Encode(issues); err != nil {
			return err
		}
	} else {
		labels := map[knowledge.LintKind]string{
			knowledge.LintRowError:       "坏行",
			knowledge.LintDuplicate:      "重复",
			knowledge.LintSelfDuplicated: "重复说法",
			knowledge.LintNearDuplicate:  "近似重复",
			knowledge.LintFewPhrasings:   "相似问法偏少",
			knowledge.LintBadRelated:     "相关条目不存在",
		}
		for _, is := range issues {
			loc := ""
			if is.Kind == knowledge.LintRowError {
				loc = is.A + " "
			}
			fmt.Fprintf(stdout, "[%s] %s%s\n", labels[is.Kind], loc, is.Detail)
		}
		fmt.Fprintf(stdout, "%s：%d 条，%d 个问题需要修正，%d 个提醒。\n", dir, len(kb.Entries), failing, len(issues)-failing)
		if _, cal, err := kb.IndexOptions(knowledge.DefaultOptions()); err == nil && cal.Shift != 0 {
			fmt.Fprintf(stdout, "提示：按本知识库的相似问法自动校准，「您是不是想问」的阈值调整 %+.2f（校准点 %.2f，默认知识库为 0.50）。\n", cal.Shift, cal.Point)
		}
	}
	if failing > 0 {
		return errors.New("知识库检查未通过")
	}
	return nil
}
