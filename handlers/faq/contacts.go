package faq

import (
	"context"
	"fmt"
	"strings"

	"deliverybot/bot"
	"deliverybot/bot/registry"
)

// Contact is a person to ask.
type Contact struct {
	UserID string
	Name   string
}

// Contacts finds a project's implementation engineers.
type Contacts interface {
	Engineers(ctx context.Context, projectID string) ([]Contact, error)
}

// RegistryContacts adapts the project registry.
type RegistryContacts struct{ Registry *registry.Registry }

// Engineers lists the project's engineers (the PM when it has none).
func (rc RegistryContacts) Engineers(ctx context.Context, projectID string) ([]Contact, error) {
	p, err := rc.Registry.Project(ctx, projectID)
	if err != nil {
		return nil, err
	}
	var out []Contact
	for _, m := range p.Members {
		if m.Role == bot.RoleEngineer {
			out = append(out, Contact{UserID: m.User, Name: rc.Registry.Name(m.User)})
		}
	}
	if len(out) == 0 && p.PM != "" {
		out = append(out, Contact{UserID: p.PM, Name: rc.Registry.Name(p.PM)})
	}
	return out, nil
}

// PMContact names the project managers, for people in no project.
func (rc RegistryContacts) PMContact() string { return rc.Registry.PMContact() }

// inNoProject: the user is known and belongs to no project, so cannot file a
// 报修 (offering it would end in a refusal). Unknown identity: not decided here.
func inNoProject(req *bot.Request) bool {
	return req.Identity != nil && len(req.Identity.Projects) == 0
}

// contact answers "联系项目工程师" with the engineers of the user's projects.
func (h *Handler) contact(ctx context.Context, req *bot.Request) ([]bot.Reply, error) {
	const general = "请联系您所在项目的实施工程师或项目经理；也可以回复「报修」提交工单，工程师会跟进处理。"
	if inNoProject(req) {
		who := "项目经理"
		if pc, ok := h.opts.Contacts.(interface{ PMContact() string }); ok && pc.PMContact() != "" {
			who = pc.PMContact()
		}
		return []bot.Reply{bot.Text("您还没有加入任何项目，请联系%s把您加入项目，之后就能报修并看到负责的工程师。使用问题可以直接问我。", who)}, nil
	}
	if h.opts.Contacts == nil || req.Identity == nil {
		return []bot.Reply{bot.Text(general)}, nil
	}
	var lines []string
	for _, m := range req.Identity.Projects {
		people, err := h.opts.Contacts.Engineers(ctx, m.ProjectID)
		if err != nil {
			req.Log.Warn("faq: engineers lookup failed", "project", m.ProjectID, "err", err)
			continue
		}
		var names []string
		for _, p := range people {
			names = append(names, p.Name)
		}
		if len(names) > 0 {
			lines = append(lines, fmt.Sprintf("· %s：%s", m.ProjectName, strings.Join(names, "、")))
		}
	}
	if len(lines) == 0 {
		return []bot.Reply{bot.Text(general)}, nil
	}
	return []bot.Reply{bot.Text("您所在项目的实施工程师：\n%s\n可以直接在企业微信里联系他们；需要跟踪处理的问题，请回复「报修」提交工单。",
		strings.Join(lines, "\n"))}, nil
}
