package wecom_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// vector is one entry of /work/shared/fixtures/wecom_vectors.json (copied to testdata).
type vector struct {
	Name              string `json:"name"`
	Token             string `json:"token"`
	CorpID            string `json:"corp_id"`
	AESKey            string `json:"aes_key"`
	Kind              string `json:"kind"`
	BodyFormat        string `json:"body_format"`
	MsgSignature      string `json:"msg_signature"`
	Timestamp         string `json:"timestamp"`
	Nonce             string `json:"nonce"`
	Echostr           string `json:"echostr"`
	Body              string `json:"body"`
	RawQuery          string `json:"raw_query"`
	Expected          string `json:"expected"`
	ExpectedPlaintext string `json:"expected_plaintext"`
	RejectClass       string `json:"reject_class"`
	RandomPrefixHex   string `json:"random_prefix_hex"`
	// decrypt_only
	Encrypt           string `json:"encrypt"`
	ExpectedReceiveID string `json:"expected_receiveid"`
}

type vectorFile struct {
	Official            []vector `json:"official"`
	OfficialDecryptOnly []vector `json:"official_decrypt_only"`
	Generated           []vector `json:"generated"`
	Forged              []vector `json:"forged"`
}

func loadVectors(t testing.TB) vectorFile {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	data, err := os.ReadFile(filepath.Join(filepath.Dir(file), "testdata", "wecom_vectors.json"))
	if err != nil {
		t.Fatalf("read vectors: %v", err)
	}
	var vf vectorFile
	if err := json.Unmarshal(data, &vf); err != nil {
		t.Fatalf("parse vectors: %v", err)
	}
	if len(vf.Official) == 0 || len(vf.Forged) == 0 || len(vf.Generated) == 0 || len(vf.OfficialDecryptOnly) == 0 {
		t.Fatalf("vector file incomplete: %d official, %d generated, %d forged", len(vf.Official), len(vf.Generated), len(vf.Forged))
	}
	return vf
}

// accepted returns every vector that must be accepted.
func (vf vectorFile) accepted() []vector {
	return append(append([]vector(nil), vf.Official...), vf.Generated...)
}
