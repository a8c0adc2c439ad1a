package status

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"deliverybot/bot"
	"deliverybot/bot/registry"
)

const cliUsage = `用法：
  deliverybot project list [--json]          所有项目（id、名称、项目经理、值班、阶段、RAG、成员）
  deliverybot project status ID [--json]     项目状态（与聊天回复相同的数据）
  deliverybot project validate FILE          校验 projects.yaml 或 .xlsx，逐条给出 文件:行: 字段: 问题
  deliverybot project import FILE.xlsx       把 Excel 转成 projects.yaml 输出到标准输出
  deliverybot project export FILE.xlsx       把当前项目数据（文件内容，不含聊天更新）导出为 Excel 模板
  deliverybot project audit ID [--json]      项目在聊天中的更新记录（谁、何时、改了什么）
  deliverybot project users [--json]         人员及其项目角色`

// ErrUsage marks a bad command line (the caller exits with status 2).
var ErrUsage = errors.New("usage")

// ErrInvalid is returned by validate when the file has problems (already printed).
var ErrInvalid = errors.New("projects file is invalid")

// ListItem is one project in `project list --json`.
type ListItem struct {
	ID      string            `json:"id"`
	Name    string            `json:"name"`
	Client  string            `json:"client,omitempty"`
	PM      string            `json:"pm"`
	Oncall  string            `json:"oncall"`
	Phase   string            `json:"phase"`
	Percent int               `json:"percent"`
	RAG     RAG               `json:"rag"`
	Members []registry.Member `json:"members"`
}

// RunProjectCLI runs `deliverybot project …` (args may start with "project").
// validate and import need no registry; the others need deps.Registry.
func RunProjectCLI(ctx context.Context, args []string, stdout, stderr io.Writer, deps Deps) error {
	if len(args) > 0 && args[0] == "project" {
		args = args[1:]
	}
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fmt.Fprintln(stdout, cliUsage)
			return nil
		}
	}
	asJSON, pos := splitFlags(args)
	if len(pos) == 0 {
		fmt.Fprintln(stderr, cliUsage)
		return ErrUsage
	}
	sub, pos := pos[0], pos[1:]
	svc := New(deps)
	now := time.Now()
	if deps.Clock != nil {
		now = deps.Clock.Now()
	}
	need := func(n int) error {
		if len(pos) != n {
			fmt.Fprintln(stderr, cliUsage)
			return ErrUsage
		}
		if sub != "validate" && sub != "import" && deps.Registry == nil {
			return errors.New("项目数据未加载（--projects）")
		}
		return nil
	}
	switch sub {
	case "list":
		if err := need(0); err != nil {
			return err
		}
		return svc.cliList(ctx, stdout, now, asJSON)
	case "status":
		if err := need(1); err != nil {
			return err
		}
		return svc.cliStatus(ctx, stdout, pos[0], now, asJSON)
	case "validate":
		if err := need(1); err != nil {
			return err
		}
		return cliValidate(stdout, stderr, pos[0])
	case "import":
		if err := need(1); err != nil {
			return err
		}
		out, err := registry.ExcelToYAML(pos[0])
		if err != nil {
			fmt.Fprintln(stderr, err)
			return ErrInvalid
		}
		_, err = stdout.Write(out)
		return err
	case "export":
		if err := need(1); err != nil {
			return err
		}
		if err := registry.WriteExcel(deps.Registry.Base(), pos[0]); err != nil {
			return err
		}
		_, err := fmt.Fprintf(stdout, "已导出到 %s\n", pos[0])
		return err
	case "audit":
		if err := need(1); err != nil {
			return err
		}
		return svc.cliAudit(ctx, stdout, pos[0], asJSON)
	case "users":
		if err := need(0); err != nil {
			return err
		}
		return cliUsers(stdout, deps.Registry, asJSON)
	}
	fmt.Fprintf(stderr, "未知子命令 %q\n%s\n", sub, cliUsage)
	return ErrUsage
}

func splitFlags(args []string) (asJSON bool, pos []string) {
	for _, a := range args {
		switch a {
		case "--json", "-json":
			asJSON = true
		default:
			pos = append(pos, a)
		}
	}
	return asJSON, pos
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func (s *Service) cliList(ctx context.Context, w io.Writer, now time.Time, asJSON bool) error {
	ps, err := s.d.Registry.Projects(ctx)
	if err != nil {
		return err
	}
	items := make([]ListItem, 0, len(ps))
	for _, p := range ps {
		st := s.ProjectStatus(ctx, p, now)
		members := p.Members
		if members == nil {
			members = []registry.Member{}
		}
		items = append(items, ListItem{ID: p.ID, Name: p.Name, Client: p.Client, PM: p.PM, Oncall: p.Oncall,
			Phase: st.Phase, Percent: st.Percent, RAG: st.RAG, Members: members})
	}
	if asJSON {
		return writeJSON(w, items)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\t名称\t阶段\t完成度\tRAG\t项目经理\t值班")
	for _, it := range items {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d%%\t%s\t%s\t%s\n", it.ID, it.Name, it.Phase, it.Percent, it.RAG,
			s.d.Registry.Name(it.PM), s.d.Registry.Name(it.Oncall))
	}
	return tw.Flush()
}

func (s *Service) cliStatus(ctx context.Context, w io.Writer, id string, now time.Time, asJSON bool) error {
	p, err := s.d.Registry.Project(ctx, id)
	if err != nil {
		return err
	}
	st := s.ProjectStatus(ctx, p, now)
	if asJSON {
		return writeJSON(w, st)
	}
	_, err = fmt.Fprintln(w, bot.MarkdownToText(st.Markdown()))
	return err
}

func cliValidate(stdout, stderr io.Writer, path string) error {
	d, err := registry.LoadFile(path)
	var ve *registry.ValidationError
	switch {
	case errors.As(err, &ve):
		for _, p := range ve.Problems {
			fmt.Fprintln(stderr, p)
		}
		fmt.Fprintf(stderr, "%s：%d 个问题\n", path, len(ve.Problems))
		return ErrInvalid
	case err != nil:
		fmt.Fprintln(stderr, err)
		return ErrInvalid
	}
	fmt.Fprintf(stdout, "%s：校验通过（%d 人，%d 个项目）\n", path, len(d.Users), len(d.Projects))
	return nil
}

func (s *Service) cliAudit(ctx context.Context, w io.Writer, id string, asJSON bool) error {
	cs, err := s.d.Registry.Audit(ctx, id)
	if err != nil {
		return err
	}
	if asJSON {
		if cs == nil {
			cs = []registry.Change{}
		}
		return writeJSON(w, cs)
	}
	if len(cs) == 0 {
		_, err := fmt.Fprintf(w, "%s：没有聊天更新记录\n", id)
		return err
	}
	for _, c := range cs {
		fmt.Fprintf(w, "#%d %s %s(%s) %s\n", c.Seq, c.At.In(s.d.Registry.Location()).Format(time.RFC3339), c.UserName, c.User, c.Summary)
	}
	return nil
}

func cliUsers(w io.Writer, reg *registry.Registry, asJSON bool) error {
	us := reg.Users()
	if asJSON {
		return writeJSON(w, us)
	}
	lines := make([]string, len(us))
	for i, u := range us {
		lines[i] = u.Label()
	}
	_, err := fmt.Fprintln(w, strings.Join(lines, "\n"))
	return err
}
