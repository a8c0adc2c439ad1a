package status

import (
	"fmt"
	"strings"

	"deliverybot/bot"
	"deliverybot/bot/registry"
)

// asOfLayout is how "截至" times are shown.
const asOfLayout = "2006-01-02 15:04"

// shortDate shows "2026-12-18" as "12-18" when in the same year as ref.
func shortDate(d registry.Date, ref string) string {
	if len(d) == 10 && len(ref) >= 4 && string(d[:4]) == ref[:4] {
		return string(d[5:])
	}
	return string(d)
}

// Markdown renders a status for a phone: short lines, the verdict first.
func (s Status) Markdown() string {
	year := s.AsOf.Format("2006")
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n", s.Name)
	fmt.Fprintf(&b, "**状态**：%s\n", colour(s.RAG, s.RAG.Label()))
	if len(s.Reasons) > 0 {
		fmt.Fprintf(&b, "> %s\n", strings.Join(s.Reasons, "；"))
	}
	fmt.Fprintf(&b, "**当前阶段**：%s（第 %d/5 阶段）%d%%\n", s.Phase, s.PhaseIndex, s.Percent)
	if m := s.NextMilestone; m != nil {
		line := fmt.Sprintf("**下个里程碑**：%s 计划 %s", m.Name, shortDate(m.Planned, year))
		if m.Forecast != m.Planned {
			line += " · 预计 " + shortDate(m.Forecast, year)
		}
		if m.OverdueDays > 0 {
			line += fmt.Sprintf(" <font color=\"warning\">已逾期 %d 天</font>", m.OverdueDays)
		}
		b.WriteString(line + "\n")
	} else {
		b.WriteString("**下个里程碑**：无未完成的里程碑\n")
	}
	b.WriteString(goLiveLine(s.GoLive, year) + "\n")
	b.WriteString(s.ticketLine() + "\n")
	b.WriteString(s.changeLine() + "\n")
	if s.OpenRisks == 0 {
		b.WriteString("**风险**：无未关闭风险\n")
	} else {
		fmt.Fprintf(&b, "**风险**（未关闭 %d，前 %d 项）：\n", s.OpenRisks, len(s.Risks))
		for _, r := range s.Risks {
			fmt.Fprintf(&b, "%s #%d %s%s\n", levelTag(r.Level), r.ID, r.Description, s.ownerSuffix(r.Owner))
		}
	}
	contact := "项目经理 " + s.PMName
	if s.OncallName != "" {
		contact += " · 值班 " + s.OncallName
	}
	fmt.Fprintf(&b, "<font color=\"comment\">%s\n截至 %s</font>", contact, s.AsOf.Format(asOfLayout))
	return b.String()
}

// Reply is the chat reply: markdown with a plain-text fallback.
func (s Status) Reply() bot.Reply {
	md := s.Markdown()
	return bot.Reply{Markdown: md, Text: bot.MarkdownToText(md)}
}

func goLiveLine(g *GoLiveStatus, year string) string {
	switch {
	case g == nil:
		return "**上线**：未设置上线里程碑"
	case g.Done:
		return fmt.Sprintf("**上线**：已于 %s 上线", g.Forecast)
	}
	line := "**距上线**："
	switch {
	case g.DaysLeft > 0:
		line += fmt.Sprintf("%d 天（预计 %s", g.DaysLeft, shortDate(g.Forecast, year))
	case g.DaysLeft == 0:
		line += fmt.Sprintf("今天上线（%s", shortDate(g.Forecast, year))
	default:
		line += fmt.Sprintf("<font color=\"warning\">已过预计上线日 %d 天</font>（预计 %s", -g.DaysLeft, shortDate(g.Forecast, year))
	}
	if g.Forecast != g.Planned {
		line += "，计划 " + shortDate(g.Planned, year)
		if g.SlipWorkingDays > 0 {
			line += fmt.Sprintf("，延期 %d 个工作日", g.SlipWorkingDays)
		}
	}
	line += "）"
	if g.Reason != "" && g.Forecast != g.Planned {
		line += "\n延期原因：" + g.Reason
	}
	return line
}

func (s Status) ticketLine() string {
	switch {
	case s.TicketsError != "":
		return "**工单**：" + s.TicketsError
	case !s.TicketsWired:
		return "**工单**：未接入工单系统（计 0）"
	}
	parts := []string{}
	for _, p := range registry.Priorities {
		if n := s.Tickets.OpenByPriority[p]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", p, n))
		}
	}
	line := fmt.Sprintf("**工单**：未结 %d", s.OpenTickets)
	if len(parts) > 0 {
		line += "（" + strings.Join(parts, " · ") + "）"
	}
	if s.Tickets.Breached > 0 {
		line += fmt.Sprintf("，<font color=\"warning\">超 SLA %d</font>", s.Tickets.Breached)
	} else {
		line += "，无超 SLA"
	}
	return line
}

func (s Status) changeLine() string {
	switch {
	case s.ChangesError != "":
		return "**变更**：" + s.ChangesError
	case !s.ChangesWired:
		return "**变更**：未接入变更系统（计 0）"
	}
	line := fmt.Sprintf("**变更**：待审批 %d", s.Changes.Pending)
	if s.Changes.Approved > 0 {
		line += fmt.Sprintf("，已批准 %d 项共增加 %d 天", s.Changes.Approved, s.Changes.DaysAdded)
	}
	return line
}

func (s Status) ownerSuffix(owner string) string {
	if owner == "" {
		return ""
	}
	if n := s.RiskOwners[owner]; n != "" {
		return "（" + n + "）"
	}
	return "（" + owner + "）"
}

func levelTag(level string) string {
	switch level {
	case registry.LevelHigh:
		return "🔴高"
	case registry.LevelMedium:
		return "🟡中"
	}
	return "⚪低"
}

func colour(r RAG, text string) string {
	switch r {
	case Red, Amber:
		return "<font color=\"warning\">" + text + "</font>"
	}
	return "<font color=\"info\">" + text + "</font>"
}

// PortfolioLine is one project in the portfolio: dot, name, phase, go-live, PM.
func (s Status) PortfolioLine() string {
	year := s.AsOf.Format("2006")
	line := fmt.Sprintf("%s **%s** · %s %d%%", s.RAG.Dot(), s.Name, s.Phase, s.Percent)
	if g := s.GoLive; g != nil {
		switch {
		case g.Done:
			line += " · 已上线"
		case g.SlipWorkingDays > 0:
			line += fmt.Sprintf(" · 上线 %s（延 %d 工作日）", shortDate(g.Forecast, year), g.SlipWorkingDays)
		default:
			line += " · 上线 " + shortDate(g.Forecast, year)
		}
	}
	if len(s.Overdue) > 0 {
		line += fmt.Sprintf(" · 逾期里程碑 %d", len(s.Overdue))
	}
	if s.TicketsWired && s.Tickets.Breached > 0 {
		line += fmt.Sprintf(" · 超 SLA %d", s.Tickets.Breached)
	}
	return line + " · " + s.PMName
}

// PortfolioMarkdown lists projects worst first (ss must already be sorted).
func PortfolioMarkdown(ss []Status, asOf string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### 所有项目（%d 个，问题最多的在前）\n", len(ss))
	for _, s := range ss {
		b.WriteString(s.PortfolioLine() + "\n")
	}
	fmt.Fprintf(&b, "<font color=\"comment\">回复「进度 项目名」看详情\n截至 %s</font>", asOf)
	return b.String()
}
