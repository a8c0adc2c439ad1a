package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
)

// -h prints the flags and is not a failure (main exits 0 on flag.ErrHelp);
// a wrong flag still is.
func TestHelpIsNotAnError(t *testing.T) {
	for _, args := range [][]string{{"serve", "-h"}, {"chat", "-h"}, {"send", "-h"}, {"kb", "eval", "-h"}, {"ticket", "list", "--projects", demoProjects, "--kb", demoKB, "--data-dir", t.TempDir(), "-h"}} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), args, strings.NewReader(""), &out, &errOut)
		if !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%v: err = %v, want flag.ErrHelp", args, err)
		}
		if !strings.Contains(out.String()+errOut.String(), "-") {
			t.Errorf("%v printed no flags", args)
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"project", "--projects", demoProjects, "--kb", demoKB, "--data-dir", t.TempDir(), "-h"}, strings.NewReader(""), &out, &out); err != nil || !strings.Contains(out.String(), "project list") {
		t.Errorf("project -h: err %v, output %q", err, out.String())
	}
	err := run(context.Background(), []string{"serve", "--no-such-flag"}, strings.NewReader(""), &out, &out)
	var ue usageError
	if !errors.As(err, &ue) || errors.Is(err, flag.ErrHelp) {
		t.Errorf("a wrong flag should be a usage error, got %v", err)
	}
}
