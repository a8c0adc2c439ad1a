package registry

import (
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// The file schema. Scalars are read as strings (yaml.v3 keeps the literal text of
// a scalar decoded into a string, so "00123" keeps its zeros even unquoted) and
// typed by the validator, which can then say exactly which line and field is wrong.

// FileSchema is the top level of projects.yaml.
type FileSchema struct {
	Users    []RawUser    `yaml:"users"`
	Projects []RawProject `yaml:"projects"`
	pos      pos
}

// RawUser is a user as written in the file.
type RawUser struct {
	ID         string `yaml:"id"`
	Name       string `yaml:"name"`
	Department string `yaml:"department,omitempty"`
	pos        pos
}

// RawMember is a member as written in the file.
type RawMember struct {
	User string `yaml:"user"`
	Role string `yaml:"role"`
	CCB  string `yaml:"ccb,omitempty"`
	pos  pos
}

// RawPhase is a phase as written in the file.
type RawPhase struct {
	Name         string `yaml:"name"`
	PlannedStart string `yaml:"planned_start,omitempty"`
	PlannedEnd   string `yaml:"planned_end,omitempty"`
	ActualStart  string `yaml:"actual_start,omitempty"`
	ActualEnd    string `yaml:"actual_end,omitempty"`
	Percent      string `yaml:"percent,omitempty"`
	pos          pos
}

// RawMilestone is a milestone as written in the file.
type RawMilestone struct {
	Name     string `yaml:"name"`
	Planned  string `yaml:"planned"`
	Forecast string `yaml:"forecast,omitempty"`
	Done     string `yaml:"done,omitempty"`
	GoLive   string `yaml:"go_live,omitempty"`
	Reason   string `yaml:"reason,omitempty"`
	pos      pos
}

// RawRisk is a risk as written in the file.
type RawRisk struct {
	ID          string `yaml:"id"`
	Description string `yaml:"description"`
	Level       string `yaml:"level"`
	Owner       string `yaml:"owner,omitempty"`
	Mitigation  string `yaml:"mitigation,omitempty"`
	Closed      string `yaml:"closed,omitempty"`
	pos         pos
}

// RawSLA is one priority's SLA targets ("30m", "4h", "2d").
type RawSLA struct {
	FirstResponse string `yaml:"first_response"`
	Resolution    string `yaml:"resolution"`
	pos           pos
}

// RawProject is a project as written in the file.
type RawProject struct {
	ID         string            `yaml:"id"`
	Name       string            `yaml:"name"`
	Aliases    []string          `yaml:"aliases,omitempty,flow"`
	Client     string            `yaml:"client,omitempty"`
	PM         string            `yaml:"pm"`
	Oncall     string            `yaml:"oncall,omitempty"`
	Products   []string          `yaml:"products,omitempty,flow"`
	Members    []RawMember       `yaml:"members"`
	Phases     []RawPhase        `yaml:"phases"`
	Milestones []RawMilestone    `yaml:"milestones,omitempty"`
	Risks      []RawRisk         `yaml:"risks,omitempty"`
	SLA        map[string]RawSLA `yaml:"sla,omitempty"`
	pos        pos
}

// pos remembers where an item and each of its keys were written.
type pos struct {
	File    string
	Line    int
	Keys    map[string]int // key → line of its value
	Unknown []string       // keys the schema does not have
}

func (p pos) at(field string) int {
	if l, ok := p.Keys[field]; ok {
		return l
	}
	return p.Line
}

// decodeWithPos decodes a mapping node into out (a pointer to a plain struct type)
// and records positions and unknown keys.
func decodeWithPos(n *yaml.Node, out any, p *pos) error {
	p.Line = n.Line
	if n.Kind == yaml.MappingNode {
		allowed := yamlKeys(reflect.TypeOf(out).Elem())
		p.Keys = map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			p.Keys[k] = n.Content[i+1].Line
			if !allowed[k] {
				p.Unknown = append(p.Unknown, k)
			}
		}
	}
	return n.Decode(out)
}

func yamlKeys(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("yaml")
		if tag == "" || tag == "-" {
			continue
		}
		out[strings.Split(tag, ",")[0]] = true
	}
	return out
}

// UnmarshalYAML records positions.
func (f *FileSchema) UnmarshalYAML(n *yaml.Node) error {
	type plain FileSchema
	return decodeWithPos(n, (*plain)(f), &f.pos)
}

// UnmarshalYAML records positions.
func (u *RawUser) UnmarshalYAML(n *yaml.Node) error {
	type plain RawUser
	return decodeWithPos(n, (*plain)(u), &u.pos)
}

// UnmarshalYAML records positions.
func (m *RawMember) UnmarshalYAML(n *yaml.Node) error {
	type plain RawMember
	return decodeWithPos(n, (*plain)(m), &m.pos)
}

// UnmarshalYAML records positions.
func (p *RawPhase) UnmarshalYAML(n *yaml.Node) error {
	type plain RawPhase
	return decodeWithPos(n, (*plain)(p), &p.pos)
}

// UnmarshalYAML records positions.
func (m *RawMilestone) UnmarshalYAML(n *yaml.Node) error {
	type plain RawMilestone
	return decodeWithPos(n, (*plain)(m), &m.pos)
}

// UnmarshalYAML records positions.
func (r *RawRisk) UnmarshalYAML(n *yaml.Node) error {
	type plain RawRisk
	return decodeWithPos(n, (*plain)(r), &r.pos)
}

// UnmarshalYAML records positions.
func (s *RawSLA) UnmarshalYAML(n *yaml.Node) error {
	type plain RawSLA
	return decodeWithPos(n, (*plain)(s), &s.pos)
}

// UnmarshalYAML records positions.
func (p *RawProject) UnmarshalYAML(n *yaml.Node) error {
	type plain RawProject
	return decodeWithPos(n, (*plain)(p), &p.pos)
}
