package knowledge

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Retriever is anything that ranks and decides: the Index, a Store, the BM25 baseline.
type Retriever interface {
	Search(query string, k int) Result
}

// Query is one labelled evaluation query; an empty ExpectedID means out of scope.
type Query struct {
	Text       string
	ExpectedID string
	Line       int
}

// Metrics are the kb eval numbers. Ranking metrics (hit_at_1, hit_at_3, mrr)
// are over in-scope queries; answered_rate is the share of in-scope queries that
// got an answer or suggestions rather than "no answer"; oos_rejection is the
// share of out-of-scope queries that got "no answer" (a suggestion counts as
// not rejected).
type Metrics struct {
	N            int     `json:"n"`
	HitAt1       float64 `json:"hit_at_1"`
	HitAt3       float64 `json:"hit_at_3"`
	MRR          float64 `json:"mrr"`
	OOSRejection float64 `json:"oos_rejection"`
	AnsweredRate float64 `json:"answered_rate"`
}

// Detail is the extra breakdown kb eval prints without --json.
type Detail struct {
	InScope, OutOfScope int
	// AnsweredCorrect: in-scope queries answered outright with the right entry.
	AnsweredCorrect int
	// AnsweredWrong: in-scope queries answered outright with a wrong entry.
	AnsweredWrong int
	// OOSAnswered: out-of-scope queries answered outright (the worst failure).
	OOSAnswered int
	Misses      []Miss
}

// Miss is a query the retriever got wrong, for tuning.
type Miss struct {
	Query    Query
	Decision Decision
	Got      string // top entry ID, "" when none
	Score    float64
	Rank     int // rank of the expected entry, 0 when not in the top 5
}

// ReadQueries reads a CSV with header query,expected_id.
func ReadQueries(path string) ([]Query, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseQueries(f)
}

// ParseQueries reads query,expected_id rows; blank rows are skipped.
func ParseQueries(r io.Reader) ([]Query, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	var out []Query
	header := true
	qi, ei := 0, 1
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("查询集 CSV 格式错误：%w", err)
		}
		line, _ := cr.FieldPos(0)
		if header {
			header = false
			qi, ei = -1, -1
			for i, c := range rec {
				switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(c, "\ufeff"))) {
				case "query":
					qi = i
				case "expected_id":
					ei = i
				}
			}
			if qi < 0 || ei < 0 {
				return nil, fmt.Errorf("查询集第 %d 行：表头应为 query,expected_id", line)
			}
			continue
		}
		q := Query{Line: line}
		if qi < len(rec) {
			q.Text = strings.TrimSpace(rec[qi])
		}
		if ei < len(rec) {
			q.ExpectedID = strings.TrimSpace(rec[ei])
		}
		if q.Text == "" {
			continue
		}
		out = append(out, q)
	}
	return out, nil
}

// UnknownExpected returns the in-scope queries whose expected_id is not the ID
// of any of entries: a typo or a removed entry. Evaluate counts them as misses
// (the retriever cannot rank an entry that does not exist).
func UnknownExpected(queries []Query, entries []Entry) []Query {
	ids := make(map[string]bool, len(entries))
	for _, e := range entries {
		ids[e.ID] = true
	}
	var out []Query
	for _, q := range queries {
		if q.ExpectedID != "" && !ids[q.ExpectedID] {
			out = append(out, q)
		}
	}
	return out
}

// Evaluate runs every query through r.
func Evaluate(r Retriever, queries []Query) (Metrics, Detail) {
	var (
		m               Metrics
		d               Detail
		hit1, hit3, rr  float64
		answered, oosNo int
	)
	for _, q := range queries {
		res := r.Search(q.Text, 5)
		top, _ := res.Top()
		gotID := ""
		if top.Entry != nil {
			gotID = top.Entry.ID
		}
		if q.ExpectedID == "" {
			d.OutOfScope++
			switch res.Decision {
			case NoAnswer:
				oosNo++
			case Answer:
				d.OOSAnswered++
				d.Misses = append(d.Misses, Miss{Query: q, Decision: res.Decision, Got: gotID, Score: top.Score})
			default:
				d.Misses = append(d.Misses, Miss{Query: q, Decision: res.Decision, Got: gotID, Score: top.Score})
			}
			continue
		}
		d.InScope++
		rank := 0
		for i, c := range res.Ranked {
			if c.Entry.ID == q.ExpectedID {
				rank = i + 1
				break
			}
		}
		if rank == 1 {
			hit1++
		}
		if rank >= 1 && rank <= 3 {
			hit3++
		}
		if rank > 0 {
			rr += 1 / float64(rank)
		}
		if res.Decision != NoAnswer {
			answered++
		}
		if res.Decision == Answer {
			if rank == 1 {
				d.AnsweredCorrect++
			} else {
				d.AnsweredWrong++
			}
		}
		if rank != 1 || res.Decision == NoAnswer {
			d.Misses = append(d.Misses, Miss{Query: q, Decision: res.Decision, Got: gotID, Score: top.Score, Rank: rank})
		}
	}
	m.N = len(queries)
	if d.InScope > 0 {
		n := float64(d.InScope)
		m.HitAt1, m.HitAt3, m.MRR = round4(hit1/n), round4(hit3/n), round4(rr/n)
		m.AnsweredRate = round4(float64(answered) / n)
	}
	if d.OutOfScope > 0 {
		m.OOSRejection = round4(float64(oosNo) / float64(d.OutOfScope))
	}
	return m, d
}

func round4(x float64) float64 {
	return float64(int64(x*10000+0.5)) / 10000
}
