package status

import (
	"context"

	"deliverybot/bot"
	"deliverybot/bot/registry"
)

// Action is something a user asks of this package; see the matrix in the package doc.
type Action string

const (
	ActView      Action = "view"      // status of a project
	ActPortfolio Action = "portfolio" // 所有项目
	ActDigest    Action = "digest"    // 周报 on demand
	ActUpdate    Action = "update"    // 更新进度, 完成, 里程碑, 新增/关闭风险
	ActAudit     Action = "audit"     // 项目日志
)

// Actions lists every action, for the matrix test.
var Actions = []Action{ActView, ActPortfolio, ActDigest, ActUpdate, ActAudit}

// isPM reports whether the person is PM of any project.
func isPM(id *bot.Identity) bool {
	if id == nil {
		return false
	}
	for _, m := range id.Projects {
		if m.Role == bot.RolePM {
			return true
		}
	}
	return false
}

// Allowed applies the authorization matrix. projectID is ignored for portfolio and
// digest, which are not about one project.
func Allowed(id *bot.Identity, act Action, projectID string) bool {
	switch act {
	case ActPortfolio, ActDigest:
		return isPM(id)
	case ActView:
		if isPM(id) {
			return true
		}
		_, member := id.In(projectID)
		return member
	case ActUpdate, ActAudit:
		return id.HasRole(projectID, bot.RolePM, bot.RoleEngineer)
	}
	return false
}

// canSomewhere reports whether the person may do act in at least one of their
// projects: whether a command for act is any use to them at all.
func canSomewhere(id *bot.Identity, act Action) bool {
	for _, m := range id.Projects {
		if Allowed(id, act, m.ProjectID) {
			return true
		}
	}
	return false
}

// audience offers a command in the help menu only to who may do act somewhere,
// so client staff are not shown PM commands that would refuse them.
func audience(act Action) bot.AudienceFunc {
	return func(_ context.Context, req *bot.Request) bool { return canSomewhere(identity(req), act) }
}

// visible returns the projects the person may view.
func visible(id *bot.Identity, ps []registry.Project) []registry.Project {
	var out []registry.Project
	for _, p := range ps {
		if Allowed(id, ActView, p.ID) {
			out = append(out, p)
		}
	}
	return out
}

// updatable returns the projects the person may update.
func updatable(id *bot.Identity, ps []registry.Project) []registry.Project {
	var out []registry.Project
	for _, p := range ps {
		if Allowed(id, ActUpdate, p.ID) {
			out = append(out, p)
		}
	}
	return out
}
