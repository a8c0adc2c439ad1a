// Package embedtest is a fake OpenAI-compatible embeddings API for tests: an
// httptest server answering POST /v1/embeddings (and /embeddings) with
// deterministic vectors, counting what it was asked, checking the model and
// the bearer key, and able to fail or hang on demand.
package embedtest

import (
	"encoding/json"
	"hash/fnv"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Concepts are word groups the fake model treats as meaning the same thing:
// every word of a group adds ConceptWeight to the group's own dimension, on
// top of the character-bigram bag. Tests use them to build queries where the
// embedding knows what the words do not (掉线 ≈ 断开).
var Concepts = [][]string{
	{"掉线", "断开", "断了", "断线", "连不上"},
	{"开会", "会议", "视频会"},
	{"卡顿", "卡住", "很卡"},
	{"密码", "口令"},
}

const bigramDims = 64 // hashed bigram buckets; one dimension per concept follows

// ConceptWeight is what one concept word adds to its dimension (a bigram adds 1).
const ConceptWeight = 5

// Dims is the vector length the fake model returns.
var Dims = bigramDims + len(Concepts)

// Vector is the fake model: a hashed character-bigram bag (weight 1 per
// bigram) plus ConceptWeight per concept word found, normalised.
func Vector(text string) []float32 {
	v := make([]float32, Dims)
	rs := []rune(strings.ToLower(strings.TrimSpace(text)))
	for i := 0; i+1 < len(rs); i++ {
		h := fnv.New32a()
		_, _ = h.Write([]byte(string(rs[i : i+2])))
		v[h.Sum32()%bigramDims]++
	}
	if len(rs) == 1 {
		v[0]++
	}
	for c, words := range Concepts {
		for _, w := range words {
			if strings.Contains(text, w) {
				v[bigramDims+c] += ConceptWeight
			}
		}
	}
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	if n == 0 {
		v[0], n = 1, 1
	}
	for i := range v {
		v[i] = float32(float64(v[i]) / math.Sqrt(n))
	}
	return v
}

// Server is the fake API. Break it with Set; read the counters to see what
// it was asked.
type Server struct {
	*httptest.Server
	Key   string
	Model string

	mu       sync.Mutex
	requests int
	texts    []string
	// fail makes every request answer with this status (0: succeed) and a body
	// that echoes the bearer key, as a badly behaved gateway might.
	fail int
	// hang makes requests wait this long (or until the client gives up).
	hang time.Duration
	// Errors the server saw in requests (wrong path, model or key).
	problems []string
}

// New starts a fake server expecting this bearer key and model.
func New(t testing.TB, key, model string) *Server {
	s := &Server{Key: key, Model: model}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	t.Cleanup(s.Close)
	t.Cleanup(func() {
		if p := s.Problems(); len(p) > 0 {
			t.Errorf("fake embeddings server saw bad requests: %v", p)
		}
	})
	return s
}

// BaseURL is the base URL to configure: the server's URL + "/v1".
func (s *Server) BaseURL() string { return s.URL + "/v1" }

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	fail, hang := s.fail, s.hang
	s.mu.Unlock()
	// Read the body first: only then does the server notice a client that
	// gives up (and cancel r.Context()).
	body, _ := io.ReadAll(r.Body)
	if hang > 0 {
		select {
		case <-time.After(hang):
		case <-r.Context().Done():
			return
		}
	}
	auth := r.Header.Get("Authorization")
	if fail != 0 {
		http.Error(w, `{"error":{"message":"upstream broke while using key `+strings.TrimPrefix(auth, "Bearer ")+`","type":"server_error"}}`, fail)
		return
	}
	if r.Method != http.MethodPost || (r.URL.Path != "/v1/embeddings" && r.URL.Path != "/embeddings") {
		s.problem("unexpected " + r.Method + " " + r.URL.Path)
		http.NotFound(w, r)
		return
	}
	if auth != "Bearer "+s.Key {
		s.problem("wrong Authorization header")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}`))
		return
	}
	var req struct {
		Input []string `json:"input"`
		Model string   `json:"model"`
	}
	if err := json.Unmarshal(body, &req); err != nil || len(req.Input) == 0 {
		s.problem("bad body")
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	if req.Model != s.Model {
		s.problem("model " + req.Model + ", want " + s.Model)
		http.Error(w, "wrong model", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.texts = append(s.texts, req.Input...)
	s.mu.Unlock()
	type item struct {
		Object    string    `json:"object"`
		Embedding []float32 `json:"embedding"`
		Index     int       `json:"index"`
	}
	resp := struct {
		Object string `json:"object"`
		Data   []item `json:"data"`
		Model  string `json:"model"`
	}{Object: "list", Model: req.Model}
	// Answer in reverse order: clients must use "index", not the position.
	for i := len(req.Input) - 1; i >= 0; i-- {
		resp.Data = append(resp.Data, item{Object: "embedding", Embedding: Vector(req.Input[i]), Index: i})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

func (s *Server) problem(p string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.problems = append(s.problems, p)
}

// Problems lists bad requests seen (the server also fails the test with them).
func (s *Server) Problems() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.problems...)
}

// TakeProblems returns the bad requests seen so far and forgets them (for
// tests that send a bad request on purpose).
func (s *Server) TakeProblems() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.problems
	s.problems = nil
	return p
}

// Requests is how many HTTP requests arrived.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Texts are all texts embedded successfully, in arrival order.
func (s *Server) Texts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.texts...)
}

// Set makes requests fail with status fail (0: succeed) and/or wait hang first.
func (s *Server) Set(fail int, hang time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail, s.hang = fail, hang
}

// Reset clears the counters.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests, s.texts = 0, nil
}

// DecisiveKB is a KB where the lexical ranking of DecisiveQuery is wrong
// (it reads as lag, meeting-lag) and the fake model, which knows 掉线 ≈ 断开
// and 开会 ≈ 会议 (Concepts), makes only the fused ranking find meeting-drop.
const DecisiveKB = `## 开会的时候画面老是卡顿怎么办
id: meeting-lag
降低画质，关闭其他占用网络的程序。

## 会议中途断开连接
id: meeting-drop
相似问法: 视频会开着开着就断了|开会的时候老是断开
检查网络后重新入会，会议号不变。

## 网络断开怎么办
id: net-down
检查网线和无线连接。

## 无线网断线重连
id: wifi-drop
忘记网络后重新连接。

## 打印机卡纸怎么办
id: printer-jam
打开侧盖取出纸张。
`

// DecisiveQuery is the question DecisiveKB is built around.
const DecisiveQuery = "开会的时候老是掉线怎么办"

// DecisiveKBDir writes DecisiveKB into a temporary KB directory.
func DecisiveKBDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "kb.md"), []byte(DecisiveKB), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}
