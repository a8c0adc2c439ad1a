package kbcli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"deliverybot/knowledge"
)

// SemanticProvider returns the embedders `kb eval --embed` fuses in (the bot's
// own, from its configuration) and a function releasing what they hold.
type SemanticProvider func(ctx context.Context) (knowledge.SemanticOptions, func(), error)

type semanticKey struct{}

// WithSemantic gives `kb eval --embed` its embedders (the deliverybot command
// sets this from the same environment as chat and serve).
func WithSemantic(ctx context.Context, p SemanticProvider) context.Context {
	return context.WithValue(ctx, semanticKey{}, p)
}

// runEval implements `kb eval --kb PATH --queries FILE [--json] [--baseline] [--misses] [--embed]`.
func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kb eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	kbPath := fs.String("kb", defaultKBPath(), "知识库目录或单个 .md/.csv/.xlsx 文件")
	queries := fs.String("queries", "", "查询集 CSV（表头 query,expected_id；expected_id 为空表示超出范围）")
	asJSON := fs.Bool("json", false, "只输出一个 JSON 对象：n, hit_at_1, hit_at_3, mrr, oos_rejection, answered_rate")
	baseline := fs.Bool("baseline", false, "改用字符二元组 BM25 基线检索（对比用）")
	misses := fs.Bool("misses", false, "列出答错或未回答的查询（调参用）")
	embed := fs.Bool("embed", false, "融合向量检索（用 DELIVERYBOT_EMBED_* 配置的向量服务，与 chat/serve 相同）")
	var flagPolicy knowledge.Policy
	policyFlags(fs, &flagPolicy)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *queries == "" {
		return usageErr("kb eval 需要 --queries FILE")
	}
	if *embed && *baseline {
		return usageErr("--embed 与 --baseline 不能同时使用")
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
	if unknown := knowledge.UnknownExpected(qs, kb.Entries); len(unknown) > 0 {
		fmt.Fprintf(stderr, "注意：查询集中有 %d 个查询的 expected_id 不是知识库里的条目（拼错了或条目已删除），仍按未命中计分：\n", len(unknown))
		for _, q := range unknown {
			fmt.Fprintf(stderr, "  第%d行 expected_id=%s  %s\n", q.Line, q.ExpectedID, q.Text)
		}
	}
	// Thresholds: built-in defaults, then the KB's kb.yaml (or the KB's
	// calibration, as chat and serve apply it), then flags given here.
	// The baseline is not calibrated: calibration measures this engine.
	base := knowledge.DefaultOptions()
	base.Calibrate = !*baseline
	opts, cal, err := kb.IndexOptions(base)
	if err != nil {
		return err
	}
	overridePolicy(fs, &opts.Policy, flagPolicy)
	var r knowledge.Retriever
	var fused *semanticRetriever
	if *baseline {
		r = knowledge.NewBM25(kb.Entries, opts.Policy)
	} else {
		ix, err := knowledge.BuildIndex(kb.Entries, kb.Synonyms, opts)
		if err != nil {
			return err
		}
		r = ix
		if *embed {
			if fused, err = newSemanticRetriever(ctx, ix, qs); err != nil {
				return err
			}
			defer fused.release()
			r = fused
		}
	}
	m, d := knowledge.Evaluate(r, qs)
	if fused != nil {
		// What serve would do with this model on this KB: with fusion off, the
		// numbers below are the lexical ones.
		fmt.Fprintln(stderr, fused.sem.Check().String())
	}
	if fused != nil && fused.fallbacks > 0 {
		fmt.Fprintf(stderr, "注意：%d 个查询向量化失败，按字词检索计分（最后一次：%v）\n", fused.fallbacks, fused.lastErr)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		return enc.Encode(m)
	}
	name := "检索"
	switch {
	case *baseline:
		name = "BM25 基线"
	case *embed && fused.sem.Check().Fused:
		name = "检索＋向量融合"
	case *embed:
		name = "检索（融合自测未通过，未融合向量）"
	}
	fmt.Fprintf(stdout, "%s：%s（%d 条）  查询集：%s\n", name, *kbPath, len(kb.Entries), *queries)
	fmt.Fprintf(stdout, "阈值：直接回答 %.2f，给出建议 %.2f%s\n", opts.Policy.AnswerThreshold, opts.Policy.SuggestThreshold, calibrationNote(cal))
	fmt.Fprintf(stdout, "n              %d（范围内 %d，超出范围 %d）\n", m.N, d.InScope, d.OutOfScope)
	// A rate over no queries is not 0: say there were none (JSON keeps 0).
	inScope := func(x float64) string { return rate(x, d.InScope, "无（查询集没有范围内的查询）") }
	fmt.Fprintf(stdout, "hit_at_1       %s\n", inScope(m.HitAt1))
	fmt.Fprintf(stdout, "hit_at_3       %s\n", inScope(m.HitAt3))
	fmt.Fprintf(stdout, "mrr            %s\n", inScope(m.MRR))
	fmt.Fprintf(stdout, "oos_rejection  %s\n", rate(m.OOSRejection, d.OutOfScope, "无（查询集没有超出范围的查询）"))
	fmt.Fprintf(stdout, "answered_rate  %s\n", inScope(m.AnsweredRate))
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

// rate formats a metric over n queries, or none when there were none.
func rate(x float64, n int, none string) string {
	if n == 0 {
		return none
	}
	return fmt.Sprintf("%.4f", x)
}

// calibrationNote explains a calibrated suggest threshold to the KB author.
func calibrationNote(c knowledge.Calibration) string {
	if c.Shift == 0 {
		return ""
	}
	return fmt.Sprintf("（已按本知识库自动校准 %+.2f：校准点 %.2f，由 %d 个相似问法和 %d 个跨条目问法估出；在 kb.yaml 写明 suggest_threshold 可关闭）",
		c.Shift, c.Point, c.InScope, c.OutOfScope)
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

// semanticRetriever evaluates the fused ranking. Query vectors are fetched up
// front in batches (through the vector cache, so re-running an eval costs no
// API calls) instead of one request per query.
type semanticRetriever struct {
	ctx       context.Context
	sem       *knowledge.Semantic
	release   func()
	fallbacks int
	lastErr   error
}

func newSemanticRetriever(ctx context.Context, ix *knowledge.Index, qs []knowledge.Query) (*semanticRetriever, error) {
	provide, _ := ctx.Value(semanticKey{}).(SemanticProvider)
	if provide == nil {
		return nil, usageErr("--embed 需要通过 deliverybot 主程序运行（deliverybot kb eval --embed …）")
	}
	so, release, err := provide(ctx)
	if err != nil {
		return nil, err
	}
	texts := make([]string, 0, len(qs))
	seen := map[string]bool{}
	for _, q := range qs {
		if t := strings.TrimSpace(q.Text); t != "" && !seen[t] {
			seen[t] = true
			texts = append(texts, t)
		}
	}
	memo := map[string][]float32{}
	for start := 0; start < len(texts); start += 256 {
		batch := texts[start:min(len(texts), start+256)]
		vs, err := so.Embedder.Embed(ctx, batch)
		if err != nil {
			release()
			return nil, fmt.Errorf("向量化查询集失败：%w", err)
		}
		for i, t := range batch {
			memo[t] = vs[i]
		}
	}
	so.QueryEmbedder = memoEmbedder{memo: memo, next: so.QueryEmbedder}
	sem, err := knowledge.BuildSemantic(ctx, ix, so)
	if err != nil {
		release()
		return nil, err
	}
	return &semanticRetriever{ctx: ctx, sem: sem, release: release}, nil
}

func (r *semanticRetriever) Search(query string, k int) knowledge.Result {
	res, err := r.sem.Search(r.ctx, query, k)
	if err != nil {
		r.fallbacks++
		r.lastErr = err
	}
	return res
}

// memoEmbedder answers from vectors fetched beforehand, asking next otherwise.
type memoEmbedder struct {
	memo map[string][]float32
	next knowledge.Embedder
}

func (m memoEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v, ok := m.memo[t]
		if !ok {
			if m.next == nil {
				return nil, errors.New("查询向量缺失")
			}
			return m.next.Embed(ctx, texts)
		}
		out[i] = append([]float32(nil), v...)
	}
	return out, nil
}
