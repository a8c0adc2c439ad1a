package registry

import (
	"path/filepath"
	"runtime"
	"testing"
)

// demoPath is deploy/demo/projects.yaml relative to this file.
func demoPath(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "deploy", "demo", "projects.yaml")
}

func TestDemoFileIsValid(t *testing.T) {
	d, err := LoadFile(demoPath(t))
	if err != nil {
		t.Fatalf("demo registry invalid:\n%v", err)
	}
	if len(d.Projects) != 3 {
		t.Fatalf("demo has %d projects, want 3", len(d.Projects))
	}
	if len(d.Users) < 12 {
		t.Errorf("demo has %d users, want about 12", len(d.Users))
	}
	if _, ok := d.User("00123"); !ok {
		t.Error(`user "00123" lost its leading zeros`)
	}
	pmOf := 0
	for _, p := range d.Projects {
		if p.PM == "demo" {
			pmOf++
		}
	}
	if pmOf != 2 {
		t.Errorf("demo is PM of %d projects, want 2 (so the project choice shows)", pmOf)
	}
}
