package registry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"deliverybot/bot"
	"deliverybot/bot/dates"
)

// ErrNotFound is returned for an unknown project ID.
var ErrNotFound = errors.New("项目不存在")

// Registry serves the validated file data with runtime changes applied. It is safe
// for concurrent use; Reload swaps the file data atomically.
type Registry struct {
	path    string
	changes ChangeLog
	loc     *time.Location
	log     *slog.Logger

	mu    sync.RWMutex
	data  *Data
	stamp stamp // size and mtime of the file data was loaded from
}

// Option configures a Registry.
type Option func(*Registry)

// WithLocation sets the zone used for dates of changes (default Asia/Shanghai).
func WithLocation(loc *time.Location) Option { return func(r *Registry) { r.loc = loc } }

// WithLogger sets where skipped changes are reported.
func WithLogger(l *slog.Logger) Option { return func(r *Registry) { r.log = l } }

// New serves data with changes layered on top (changes may be nil: read-only).
func New(data *Data, changes ChangeLog, opts ...Option) *Registry {
	r := &Registry{data: data, changes: changes, loc: dates.Shanghai(), log: slog.Default()}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Open loads and validates path (YAML or .xlsx) and serves it; Reload re-reads it.
func Open(path string, changes ChangeLog, opts ...Option) (*Registry, error) {
	st := fileStamp(path)
	d, err := LoadFile(path)
	if err != nil {
		return nil, err
	}
	r := New(d, changes, opts...)
	r.path, r.stamp = path, st
	return r, nil
}

// Reload re-reads the file. On any error the old data stays in service.
func (r *Registry) Reload() error {
	if r.path == "" {
		return errors.New("registry: no file to reload")
	}
	st := fileStamp(r.path)
	d, err := LoadFile(r.path)
	r.mu.Lock()
	r.stamp = st // a broken file is not retried until it changes again
	if err == nil {
		r.data = d
	}
	r.mu.Unlock()
	if err != nil {
		return err
	}
	return nil
}

// Location is the zone dates are interpreted in.
func (r *Registry) Location() *time.Location { return r.loc }

// Base returns the file data without runtime changes.
func (r *Registry) Base() *Data {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.data
}

// User looks a person up by WeCom user ID.
func (r *Registry) User(id string) (User, bool) { return r.Base().User(id) }

// Name returns a person's name, or the ID when unknown.
func (r *Registry) Name(id string) string {
	if u, ok := r.User(id); ok && u.Name != "" {
		return u.Name
	}
	return id
}

// Resolve implements bot.IdentityResolver. Unknown users get Known=false and no
// projects; memberships come from the file (chat changes never alter roles).
func (r *Registry) Resolve(_ context.Context, userID string) (*bot.Identity, error) {
	d := r.Base()
	id := &bot.Identity{UserID: userID}
	u, ok := d.User(userID)
	if !ok {
		return id, nil
	}
	id.Known, id.Name, id.Department = true, u.Name, u.Department
	for _, p := range d.Projects {
		if m, ok := p.Member(userID); ok {
			id.Projects = append(id.Projects, bot.Membership{ProjectID: p.ID, ProjectName: p.Name, Role: m.Role, CCB: m.CCB})
		}
	}
	return id, nil
}

// UserInfo is a person with their roles, for `/users` in the terminal chat.
type UserInfo struct {
	User
	Projects []bot.Membership `json:"projects"`
}

// Label is a one-line description, e.g. "demo 王敏（交付中心）：项目经理@华东医院…".
func (u UserInfo) Label() string {
	s := u.ID + " " + u.Name
	if u.Department != "" {
		s += "（" + u.Department + "）"
	}
	if len(u.Projects) == 0 {
		return s + "：无项目"
	}
	s += "："
	for i, m := range u.Projects {
		if i > 0 {
			s += "；"
		}
		s += RoleLabel(m.Role) + "@" + m.ProjectName
		if m.CCB {
			s += "（CCB）"
		}
	}
	return s
}

// Users lists every person in file order with their roles.
func (r *Registry) Users() []UserInfo {
	d := r.Base()
	out := make([]UserInfo, 0, len(d.Users))
	for _, u := range d.Users {
		id, _ := r.Resolve(context.Background(), u.ID)
		out = append(out, UserInfo{User: u, Projects: id.Projects})
	}
	return out
}

// Projects returns every project with runtime changes applied, in file order.
func (r *Registry) Projects(ctx context.Context) ([]Project, error) {
	d := r.Base()
	out := make([]Project, 0, len(d.Projects))
	for _, p := range d.Projects {
		merged, err := r.merge(ctx, p, all)
		if err != nil {
			return nil, err
		}
		out = append(out, merged)
	}
	return out, nil
}

// Project returns one project with runtime changes applied.
func (r *Registry) Project(ctx context.Context, id string) (Project, error) {
	p, ok := r.Base().Project(id)
	if !ok {
		return Project{}, fmt.Errorf("%w：%s", ErrNotFound, id)
	}
	return r.merge(ctx, p, all)
}

// all asks merge for every change.
const all = -1

// merge replays the project's change log (up to seq upTo, or all) over a copy of p.
// A change that no longer applies (e.g. the file was edited) is skipped and logged.
func (r *Registry) merge(ctx context.Context, base Project, upTo int64) (Project, error) {
	p := base.Clone()
	if r.changes == nil {
		return p, nil
	}
	cs, err := r.changes.List(ctx, p.ID)
	if err != nil {
		return Project{}, err
	}
	for _, c := range cs {
		if upTo != all && c.Seq > upTo {
			break
		}
		if err := Apply(&p, &c, r.loc); err != nil {
			r.log.Warn("registry: change skipped", "project", p.ID, "seq", c.Seq, "op", c.Op, "err", err)
		}
	}
	return p, nil
}

// ErrReadOnly is returned when no change log is configured.
var ErrReadOnly = errors.New("项目数据为只读（未配置 Redis）")

// Apply checks c against the current project, appends it to the log and returns the
// change as stored (with Seq, Summary and a new risk's ID) and the updated project.
// Authorization is the caller's job.
func (r *Registry) Apply(ctx context.Context, c Change) (Change, Project, error) {
	if r.changes == nil {
		return c, Project{}, ErrReadOnly
	}
	cur, err := r.Project(ctx, c.Project)
	if err != nil {
		return c, Project{}, err
	}
	if c.UserName == "" {
		c.UserName = r.Name(c.User)
	}
	trial := cur.Clone()
	if err := Apply(&trial, &c, r.loc); err != nil {
		return c, cur, err
	}
	seq, err := r.changes.Append(ctx, c.Project, c)
	if err != nil {
		return c, cur, err
	}
	// Replay up to our position: a concurrent writer may have changed the outcome
	// (e.g. the next free risk number).
	base, _ := r.Base().Project(c.Project)
	before, err := r.merge(ctx, base, seq-1)
	if err != nil {
		return c, cur, err
	}
	c.Seq = seq
	if err := Apply(&before, &c, r.loc); err != nil {
		return c, cur, err
	}
	after, err := r.Project(ctx, c.Project)
	return c, after, err
}

// Audit returns a project's changes, newest first.
func (r *Registry) Audit(ctx context.Context, projectID string) ([]Change, error) {
	if _, ok := r.Base().Project(projectID); !ok {
		return nil, fmt.Errorf("%w：%s", ErrNotFound, projectID)
	}
	if r.changes == nil {
		return nil, nil
	}
	cs, err := r.changes.List(ctx, projectID)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].Seq > cs[j].Seq })
	return cs, nil
}

// PMContact names whom people without a project should ask: the PMs, e.g.
// "项目经理（王敏、陈静）".
func (r *Registry) PMContact() string {
	var names []string
	seen := map[string]bool{}
	for _, p := range r.Base().Projects {
		if n := r.Name(p.PM); !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return "交付中心的项目经理"
	}
	return "项目经理（" + strings.Join(names, "、") + "）"
}
