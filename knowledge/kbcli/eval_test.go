package kbcli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"deliverybot/knowledge/kbcli"
)

func evalOut(t *testing.T, queries string, args ...string) (stdout, stderr string) {
	t.Helper()
	q := filepath.Join(t.TempDir(), "q.csv")
	if err := os.WriteFile(q, []byte(queries), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if err := kbcli.Run(context.Background(), append([]string{"eval", "--kb", demoKB, "--queries", q}, args...), &out, &errOut); err != nil {
		t.Fatal(err, errOut.String())
	}
	return out.String(), errOut.String()
}

// An expected_id that is no entry of the KB (a typo, a removed entry) was
// silently a miss; and a query set without out-of-scope rows printed
// oos_rejection 0.0000 as if every one had been answered.
func TestEvalWarnsAboutUnknownExpectedIDsAndRatesOverNothing(t *testing.T) {
	queries := "query,expected_id\nVPN登不上怎么办,vpn-cannot-login\nvpn连不上了,vpn-cant-login\n会议怎么预约,meeting-shedule\n"
	out, errOut := evalOut(t, queries)
	for _, want := range []string{"2 个查询的 expected_id 不是知识库里的条目", "第3行 expected_id=vpn-cant-login  vpn连不上了", "第4行 expected_id=meeting-shedule"} {
		if !strings.Contains(errOut, want) {
			t.Fatalf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "第2行") {
		t.Fatalf("a known ID is listed:\n%s", errOut)
	}
	if !strings.Contains(out, "oos_rejection  无（查询集没有超出范围的查询）") || !strings.Contains(out, "hit_at_3       0.3333") {
		t.Fatalf("text output:\n%s", out)
	}
	// Still counted, and JSON keeps its six numeric keys.
	js, _ := evalOut(t, queries, "--json")
	var m map[string]float64
	if err := json.Unmarshal([]byte(js), &m); err != nil || len(m) != 6 || m["n"] != 3 || m["oos_rejection"] != 0 || m["hit_at_1"] > 0.34 {
		t.Fatalf("json: %v %s", err, js)
	}

	out, errOut = evalOut(t, "query,expected_id\n火星上怎么种土豆,\n")
	if errOut != "" {
		t.Fatalf("stderr: %s", errOut)
	}
	for _, key := range []string{"hit_at_1", "hit_at_3", "mrr", "answered_rate"} {
		if !strings.Contains(out, key+strings.Repeat(" ", 15-len(key))+"无（查询集没有范围内的查询）") {
			t.Fatalf("%s over no in-scope queries:\n%s", key, out)
		}
	}
	if strings.Contains(out, "oos_rejection  无") {
		t.Fatalf("oos_rejection has a query:\n%s", out)
	}
}
