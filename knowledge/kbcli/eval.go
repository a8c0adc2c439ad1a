package kbcli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"deliverybot/knowledge"
)

// runEval implements `kb eval --kb PATH --queries FILE [--json] [--baseline] [--misses]`.
func runEval(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kb eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	kbPath := fs.String("kb", defaultKBPath(), "知识库目录或单个 .md/.csv/.xlsx 文件")
	queries := fs.String("queries", "", "查询集 CSV（表头 query,expected_id；expected_id 为空表示超出范围）")
	asJSON := fs.Bool("json", false, "只输出一个 JSON 对象：n, hit_at_1, hit_at_3, mrr, oos_rejection, answered_rate")
	baseline := fs.Bool("baseline", false, "改用字符二元组 BM25 基线检索（对比用）")
	misses := fs.Bool("misses", false, "列出答错或未回答的查询（调参用）")
	var flagPolicy knowledge.Policy
	policyFlags(fs, &flagPolicy)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *queries == "" {
		return usageErr("kb eval 需要 --queries FILE")
	}
	qs, err := knowledge.ReadQueries(*queries)
	if err != nil {
		return err
	}
	kb, err := knowledge.Load(*kbPath)
	if err != nil {
		return err
	}
	for _, p := range kb.Problems {
		fmt.Fprintf(stderr, "注意：%s\n", p.Error())
	}
	// Thresholds: built-in defaults, then the KB's kb.yaml, then flags given here.
	opts := kb.Options(knowledge.DefaultOptions())
	overridePolicy(fs, &opts.Policy, flagPolicy)
	var r knowledge.Retriever
	if *baseline {
		r = knowledge.NewBM25(kb.Entries, opts.Policy)
	} else {
		ix, err := knowledge.BuildIndex(kb.Entries, kb.Synonyms, opts)
		if err != nil {
			return err
		}
		r = ix
	}
	m, d := knowledge.Evaluate(r, qs)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		return enc.Encode(m)
	}
	name := "检索"
	if *baseline {
		name = "BM25 基线"
	}
	fmt.Fprintf(stdout, "%s：%s（%d 条）  查询集：%s\n", name, *kbPath, len(kb.Entries), *queries)
	fmt.Fprintf(stdout, "n              %d（范围内 %d，超出范围 %d）\n", m.N, d.InScope, d.OutOfScope)
	fmt.Fprintf(stdout, "hit_at_1       %.4f\n", m.HitAt1)
	fmt.Fprintf(stdout, "hit_at_3       %.4f\n", m.HitAt3)
	fmt.Fprintf(stdout, "mrr            %.4f\n", m.MRR)
	fmt.Fprintf(stdout, "oos_rejection  %.4f\n", m.OOSRejection)
	fmt.Fprintf(stdout, "answered_rate  %.4f\n", m.AnsweredRate)
	fmt.Fprintf(stdout, "直接回答且正确 %d，直接回答但答错 %d，超出范围却直接回答 %d\n", d.AnsweredCorrect, d.AnsweredWrong, d.OOSAnswered)
	if *misses {
		for _, ms := range d.Misses {
			exp := ms.Query.ExpectedID
			if exp == "" {
				exp = "(超出范围)"
			}
			fmt.Fprintf(stdout, "  第%d行 %-8s %.3f 期望=%s 实际=%s 排名=%d  %s\n", ms.Query.Line, ms.Decision, ms.Score, exp, ms.Got, ms.Rank, ms.Query.Text)
		}
	}
	return nil
}

// policyFlags lets kb eval try thresholds without editing kb.yaml.
func policyFlags(fs *flag.FlagSet, p *knowledge.Policy) {
	*p = knowledge.DefaultPolicy()
	fs.Float64Var(&p.AnswerThreshold, "answer-threshold", p.AnswerThreshold, "直接回答所需的最低置信度")
	fs.Float64Var(&p.SuggestThreshold, "suggest-threshold", p.SuggestThreshold, "给出「您是不是想问」所需的最低置信度")
	fs.Float64Var(&p.MinMargin, "min-margin", p.MinMargin, "第一名领先第二名的最小差距")
	fs.Float64Var(&p.SureThreshold, "sure-threshold", p.SureThreshold, "高于此置信度时不看差距直接回答")
}

// overridePolicy copies into p the thresholds given explicitly on the command line.
func overridePolicy(fs *flag.FlagSet, p *knowledge.Policy, given knowledge.Policy) {
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "answer-threshold":
			p.AnswerThreshold = given.AnswerThreshold
		case "suggest-threshold":
			p.SuggestThreshold = given.SuggestThreshold
		case "min-margin":
			p.MinMargin = given.MinMargin
		case "sure-threshold":
			p.SureThreshold = given.SureThreshold
		}
	})
}
