package ticket

import (
	"time"

	"deliverybot/bot/registry"
)

// Impact and urgency choices.
const (
	ImpactMe      = "仅我"
	ImpactDept    = "部门"
	ImpactCompany = "全公司"

	UrgencyLow    = "不急"
	UrgencyNormal = "一般"
	UrgencyHigh   = "紧急"
)

// priorityMatrix maps impact × urgency to a priority (GLPI style, P1 most urgent):
//
//	            不急   一般   紧急
//	仅我         P4     P4     P3
//	部门         P4     P3     P2
//	全公司       P3     P2     P1
//
// Wide impact or high urgency alone raises the priority one step; both together
// make it P1. Unknown values count as the middle level.
var priorityMatrix = map[string]map[string]string{
	ImpactMe:      {UrgencyLow: "P4", UrgencyNormal: "P4", UrgencyHigh: "P3"},
	ImpactDept:    {UrgencyLow: "P4", UrgencyNormal: "P3", UrgencyHigh: "P2"},
	ImpactCompany: {UrgencyLow: "P3", UrgencyNormal: "P2", UrgencyHigh: "P1"},
}

// Priority returns P1–P4 for an impact and urgency.
func Priority(impact, urgency string) string {
	row, ok := priorityMatrix[impact]
	if !ok {
		row = priorityMatrix[ImpactDept]
	}
	if p, ok := row[urgency]; ok {
		return p
	}
	return row[UrgencyNormal]
}

// priorityLabel explains a priority to users.
func priorityLabel(p string) string {
	switch p {
	case "P1":
		return "P1（最高）"
	case "P2":
		return "P2（高）"
	case "P3":
		return "P3（中）"
	case "P4":
		return "P4（低）"
	}
	return p
}

// DefaultSLA is used when neither the project nor Deps.SLA sets targets. Times are
// wall-clock (not business hours).
var DefaultSLA = map[string]registry.SLATarget{
	"P1": {FirstResponse: 30 * time.Minute, Resolution: 4 * time.Hour},
	"P2": {FirstResponse: 2 * time.Hour, Resolution: 24 * time.Hour},
	"P3": {FirstResponse: 4 * time.Hour, Resolution: 72 * time.Hour},
	"P4": {FirstResponse: 24 * time.Hour, Resolution: 120 * time.Hour},
}

// slaTarget picks the project's target for the priority, else the service default.
func (s *Service) slaTarget(p registry.Project, priority string) registry.SLATarget {
	if t, ok := p.SLA[priority]; ok {
		return t
	}
	if t, ok := s.d.SLA[priority]; ok {
		return t
	}
	return DefaultSLA[priority]
}
