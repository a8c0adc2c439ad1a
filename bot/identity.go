package bot

import "context"

// Role is a person's role in a project.
type Role string

const (
	RoleClientStaff Role = "client_staff"
	RoleClientLead  Role = "client_lead"
	RolePM          Role = "pm"
	RoleEngineer    Role = "engineer"
)

// Membership is one project a person belongs to.
type Membership struct {
	ProjectID   string `json:"project_id"`
	ProjectName string `json:"project_name"`
	Role        Role   `json:"role"`
	CCB         bool   `json:"ccb"`
}

// Identity is who is speaking, resolved for every request.
type Identity struct {
	UserID     string       `json:"user_id"`
	Name       string       `json:"name"`
	Department string       `json:"department,omitempty"`
	Known      bool         `json:"known"`
	Projects   []Membership `json:"projects,omitempty"`
}

// DisplayName is the person's name, or the user ID when unknown.
func (id *Identity) DisplayName() string {
	if id == nil {
		return ""
	}
	if id.Name != "" {
		return id.Name
	}
	return id.UserID
}

// In returns the membership for a project, if any.
func (id *Identity) In(projectID string) (Membership, bool) {
	if id == nil {
		return Membership{}, false
	}
	for _, m := range id.Projects {
		if m.ProjectID == projectID {
			return m, true
		}
	}
	return Membership{}, false
}

// HasRole reports whether the person has role r in the project.
func (id *Identity) HasRole(projectID string, roles ...Role) bool {
	m, ok := id.In(projectID)
	if !ok {
		return false
	}
	for _, r := range roles {
		if m.Role == r {
			return true
		}
	}
	return false
}

// IdentityResolver maps a channel user ID to a person and their projects.
type IdentityResolver interface {
	Resolve(ctx context.Context, userID string) (*Identity, error)
}
