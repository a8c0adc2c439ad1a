package knowledge

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestDump prints each query's confidence and top entries (KB_DUMP=file, dev sets only).
func TestDump(t *testing.T) {
	file := os.Getenv("KB_DUMP")
	if file == "" || strings.HasPrefix(filepath.Base(file), "heldout") {
		t.Skip("set KB_DUMP=testdata/dev_long_queries.csv (the held-out set is for reporting only)")
	}
	kb, err := Load("../deploy/demo/kb")
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	ix, err := BuildIndex(kb.Entries, kb.Synonyms, o)
	if err != nil {
		t.Fatal(err)
	}
	qs, _ := ReadQueries(file)
	type row struct {
		conf float64
		s    string
	}
	var rows []row
	for _, q := range qs {
		res := ix.Search(q.Text, 3)
		line := fmt.Sprintf("%-9s conf=%.3f exp=%-24s", res.Decision, res.Confidence, q.ExpectedID)
		for _, c := range res.Ranked {
			line += fmt.Sprintf(" %s:%.3f", c.Entry.ID, c.Score)
		}
		rows = append(rows, row{res.Confidence, line + "  " + q.Text + " => " + ix.Normalize(q.Text)})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].conf > rows[j].conf })
	for _, r := range rows {
		fmt.Println(r.s)
	}
}
