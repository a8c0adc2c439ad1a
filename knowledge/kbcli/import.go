package kbcli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"deliverybot/knowledge"
)

// runImport implements `kb import FILE [--kb DIR] [--dry-run] [--json]`.
func runImport(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kb import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	kbDir := fs.String("kb", defaultKBPath(), "知识库目录")
	dry := fs.Bool("dry-run", false, "只校验并报告，不写入")
	asJSON := fs.Bool("json", false, "以 JSON 输出报告")
	pos, err := ParseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("kb import 需要一个文件：kb import FILE [--kb DIR]")
	}
	rep, err := knowledge.Import(pos[0], *kbDir, *dry)
	if *asJSON {
		_ = json.NewEncoder(stdout).Encode(rep)
		return err
	}
	for _, re := range rep.Rejected {
		fmt.Fprintf(stdout, "跳过 %s\n", re.Error())
	}
	if err != nil {
		return err
	}
	verb := "已导入"
	for _, n := range rep.Notes {
		fmt.Fprintln(stdout, "注意："+n)
	}
	if rep.DryRun {
		verb = "校验通过（未写入），可导入"
	}
	fmt.Fprintf(stdout, "%s %d 条到 %s，跳过 %d 行有问题的数据。\n", verb, rep.Imported, rep.Target, len(rep.Rejected))
	if rep.Replaced && !rep.DryRun {
		fmt.Fprintf(stdout, "（替换了之前导入的 %s）\n", rep.Target)
	}
	return nil
}
