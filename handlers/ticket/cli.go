package ticket

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/xuri/excelize/v2"

	"deliverybot/handlers/ticket/ticketstore"
)

const cliUsage = `用法：
  deliverybot ticket list [--status 状态] [--project 项目] [--json]
  deliverybot ticket show 编号 [--json]
  deliverybot ticket export --xlsx 文件 [--status 状态] [--project 项目] [--since YYYY-MM-DD]
状态：新建 已受理 处理中 重新打开 已解决 已关闭 已取消（也可用 new accepted in_progress reopened resolved closed cancelled）`

// RunCLI runs the admin subcommands `ticket list|show|export` (args exclude "ticket").
func RunCLI(ctx context.Context, args []string, stdout, stderr io.Writer, store *ticketstore.Store) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, cliUsage)
		return errors.New("ticket: missing subcommand")
	}
	switch args[0] {
	case "list":
		return cliList(ctx, args[1:], stdout, stderr, store)
	case "show":
		return cliShow(ctx, args[1:], stdout, stderr, store)
	case "export":
		return cliExport(ctx, args[1:], stdout, stderr, store)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, cliUsage)
		return nil
	}
	fmt.Fprintln(stderr, cliUsage)
	return fmt.Errorf("ticket: unknown subcommand %q", args[0])
}

type filterFlags struct {
	status, project, since string
}

func (f *filterFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.status, "status", "", "只看该状态")
	fs.StringVar(&f.project, "project", "", "只看该项目 ID")
}

func (f *filterFlags) filter(loc *time.Location) (ticketstore.Filter, error) {
	out := ticketstore.Filter{Project: f.project}
	if f.status != "" {
		st, ok := ticketstore.ParseStatus(f.status)
		if !ok {
			return out, fmt.Errorf("未知状态 %q", f.status)
		}
		out.Status = st
	}
	if f.since != "" {
		t, err := time.ParseInLocation("2006-01-02", f.since, loc)
		if err != nil {
			return out, fmt.Errorf("--since 需要 YYYY-MM-DD 格式：%w", err)
		}
		out.Since = t
	}
	return out, nil
}

// parseFlags parses flags that may come before or after positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos, args = append(pos, args[0]), args[1:]
	}
}

func cliList(ctx context.Context, args []string, stdout, stderr io.Writer, store *ticketstore.Store) error {
	fs := flag.NewFlagSet("ticket list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var ff filterFlags
	ff.register(fs)
	asJSON := fs.Bool("json", false, "输出 JSON")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	f, err := ff.filter(store.Location())
	if err != nil {
		return err
	}
	list, err := fullTickets(ctx, store, f)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, list)
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "编号\t状态\t优先级\t项目\t提交人\t处理人\t提交时间\t标题")
	for _, t := range list {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Status.Label(), t.Priority, t.Project, t.Reporter,
			or(t.Assignee), t.CreatedAt.In(store.Location()).Format("2006-01-02 15:04"), t.Title)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "共 %d 个工单\n", len(list))
	return nil
}

// fullTickets lists tickets matching f, oldest first, with their history.
func fullTickets(ctx context.Context, store *ticketstore.Store, f ticketstore.Filter) ([]*ticketstore.Ticket, error) {
	list, err := store.List(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]*ticketstore.Ticket, 0, len(list))
	for i := len(list) - 1; i >= 0; i-- {
		t, err := store.Get(ctx, list[i].ID)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func cliShow(ctx context.Context, args []string, stdout, stderr io.Writer, store *ticketstore.Store) error {
	fs := flag.NewFlagSet("ticket show", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "输出 JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("ticket show: 需要一个工单编号，例如 ticket show BX-20261126-0001")
	}
	t, err := store.Get(ctx, strings.ToUpper(pos[0]))
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, t)
	}
	loc := store.Location()
	at := func(x time.Time) string {
		if x.IsZero() {
			return "—"
		}
		return x.In(loc).Format("2006-01-02 15:04")
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	rows := [][2]string{{"编号", t.ID}, {"状态", t.Status.Label()}, {"优先级", t.Priority}, {"项目", t.Project},
		{"系统或产品", or(t.Product)}, {"标题", t.Title}, {"问题描述", t.Description}, {"提交人", t.Reporter},
		{"处理人", or(t.Assignee)}, {"影响范围", or(t.Impact)}, {"紧急程度", or(t.Urgency)}, {"位置或部门", or(t.Location)},
		{"联系电话", or(t.Phone)}, {"照片", strconv.Itoa(len(t.Photos))}, {"提交时间", at(t.CreatedAt)},
		{"首次响应", at(t.RespondedAt)}, {"响应时限", at(t.ResponseDue)}, {"解决时限", at(t.ResolveDue)},
		{"处理说明", or(t.Resolution)}, {"评分", ratingText(t.Rating)}}
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%s\n", r[0], r[1])
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "处理记录：")
	for _, e := range t.History {
		fmt.Fprintf(stdout, "  %s  %-10s %-12s %s→%s %s\n", at(e.At), or(e.Actor), e.Kind, e.From, e.To, e.Text)
	}
	return nil
}

func ratingText(n int) string {
	if n == 0 {
		return "—"
	}
	return fmt.Sprintf("%d 分", n)
}

func cliExport(ctx context.Context, args []string, stdout, stderr io.Writer, store *ticketstore.Store) error {
	fs := flag.NewFlagSet("ticket export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var ff filterFlags
	ff.register(fs)
	fs.StringVar(&ff.since, "since", "", "只导出该日期（YYYY-MM-DD）之后提交的工单")
	path := fs.String("xlsx", "", "导出的 Excel 文件")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *path == "" {
		return errors.New("ticket export: 需要 --xlsx 文件名")
	}
	f, err := ff.filter(store.Location())
	if err != nil {
		return err
	}
	list, err := fullTickets(ctx, store, f)
	if err != nil {
		return err
	}
	if err := ExportXLSX(list, store.Location(), time.Now(), *path); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "已导出 %d 个工单到 %s\n", len(list), *path)
	return nil
}

var exportHeader = []any{"编号", "项目", "标题", "系统或产品", "状态", "优先级", "影响范围", "紧急程度", "提交人", "处理人",
	"位置或部门", "联系电话", "提交时间", "首次响应", "解决时间", "关闭时间", "响应时限", "解决时限", "响应超时", "解决超时",
	"评分", "处理说明", "照片数", "问题描述"}

// ExportXLSX writes the weekly report: one row per ticket and a summary sheet.
func ExportXLSX(list []*ticketstore.Ticket, loc *time.Location, now time.Time, path string) error {
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "工单"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	at := func(t time.Time) any {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format("2006-01-02 15:04")
	}
	yes := func(b bool) string {
		if b {
			return "是"
		}
		return "否"
	}
	if err := x.SetSheetRow(sheet, "A1", &exportHeader); err != nil {
		return err
	}
	for i, t := range list {
		respondBy := firstNonZero(t.RespondedAt, now)
		resolveBy := firstNonZero(t.ResolvedAt, now)
		row := []any{t.ID, t.Project, t.Title, t.Product, t.Status.Label(), t.Priority, t.Impact, t.Urgency, t.Reporter,
			t.Assignee, t.Location, t.Phone, at(t.CreatedAt), at(t.RespondedAt), at(t.ResolvedAt), at(t.ClosedAt),
			at(t.ResponseDue), at(t.ResolveDue), yes(!t.ResponseDue.IsZero() && respondBy.After(t.ResponseDue)),
			yes(t.Status != ticketstore.StatusCancelled && !t.ResolveDue.IsZero() && resolveBy.After(t.ResolveDue)),
			t.Rating, t.Resolution, len(t.Photos), t.Description}
		if t.Rating == 0 {
			row[20] = ""
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := x.SetSheetRow(sheet, cell, &row); err != nil {
			return err
		}
	}
	if err := x.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := writeSummary(x, list); err != nil {
		return err
	}
	return x.SaveAs(path)
}

func firstNonZero(t, fallback time.Time) time.Time {
	if t.IsZero() {
		return fallback
	}
	return t
}

func writeSummary(x *excelize.File, list []*ticketstore.Ticket) error {
	const sheet = "汇总"
	if _, err := x.NewSheet(sheet); err != nil {
		return err
	}
	byStatus := map[ticketstore.Status]int{}
	byPriority := map[string]int{}
	rated, sum := 0, 0
	for _, t := range list {
		byStatus[t.Status]++
		byPriority[t.Priority]++
		if t.Rating > 0 {
			rated++
			sum += t.Rating
		}
	}
	rows := [][]any{{"工单总数", len(list)}}
	for _, st := range ticketstore.AllStatuses {
		rows = append(rows, []any{"状态：" + st.Label(), byStatus[st]})
	}
	for _, p := range []string{"P1", "P2", "P3", "P4"} {
		rows = append(rows, []any{"优先级 " + p, byPriority[p]})
	}
	avg := "—"
	if rated > 0 {
		avg = fmt.Sprintf("%.2f", float64(sum)/float64(rated))
	}
	rows = append(rows, []any{"已评分", rated}, []any{"平均满意度（1–5）", avg})
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow(sheet, cell, &r); err != nil {
			return err
		}
	}
	return nil
}
