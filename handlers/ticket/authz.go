package ticket

import (
	"context"
	"errors"
	"fmt"

	"deliverybot/bot"
	"deliverybot/handlers/ticket/ticketstore"
)

// denial is a refusal explained to the user in Chinese (not a system error).
type denial string

func (d denial) Error() string { return string(d) }

// denied turns a denial into a reply.
func denied(err error) ([]bot.Reply, bool) {
	var d denial
	if errors.As(err, &d) {
		return []bot.Reply{{Text: string(d)}}, true
	}
	return nil, false
}

// canFile: members of at least one project, whose tickets go to that project.
func canFile(id *bot.Identity) bool { return id != nil && len(id.Projects) > 0 }

// filers offers 报修 in the help menu only to who may file.
func filers(_ context.Context, req *bot.Request) bool { return canFile(req.Identity) }

// canView: the reporter, the assignee, and the project's PM and engineers.
func canView(id *bot.Identity, userID string, t *ticketstore.Ticket) bool {
	return t.Reporter == userID || t.Assignee == userID || id.HasRole(t.Project, bot.RolePM, bot.RoleEngineer)
}

// canWork: only the project's engineers accept, progress, resolve and transfer.
func canWork(id *bot.Identity, t *ticketstore.Ticket) bool {
	return id.HasRole(t.Project, bot.RoleEngineer)
}

func viewDenial(id string) denial {
	return denial("抱歉，您没有权限查看工单 " + id + "：工单只对提交人以及该项目的项目经理、实施工程师开放。如需了解进展，请联系提交人或项目经理。")
}

// workDenial explains who may work a ticket. Others are sent to the PM; the PM
// is told whom to ask instead: the ticket's handler, else the project's engineers.
func (s *Service) workDenial(ident *bot.Identity, userID string, t *ticketstore.Ticket, what string) denial {
	if !ident.HasRole(t.Project, bot.RolePM) {
		return denial("抱歉，只有该项目的实施工程师可以" + what + "工单 " + t.ID + "。如需处理，请联系项目经理安排。")
	}
	who := "该项目的实施工程师"
	if t.Assignee != "" && t.Assignee != userID {
		who = "当前处理人" + s.name(t.Assignee)
	}
	return denial(fmt.Sprintf("工单 %s 需由实施工程师%s，项目经理不能直接操作。请联系%s%s。", t.ID, what, who, what))
}
