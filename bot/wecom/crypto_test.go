package wecom_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"

	"deliverybot/bot/wecom"
)

// encryptOf extracts the signed ciphertext of a vector: echostr (from the raw query,
// URL-decoded) or the Encrypt/encrypt of the XML/JSON body.
func encryptOf(t *testing.T, v vector) string {
	t.Helper()
	if v.Kind == "verify_url" {
		q, err := url.ParseQuery(v.RawQuery)
		if err != nil {
			t.Fatal(err)
		}
		if q.Get("echostr") != v.Echostr {
			t.Fatalf("raw_query echostr %q != echostr %q", q.Get("echostr"), v.Echostr)
		}
		return v.Echostr
	}
	if v.BodyFormat == "json" {
		var m map[string]any
		if err := json.Unmarshal([]byte(v.Body), &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"encrypt", "Encrypt"} {
			if s, ok := m[k].(string); ok {
				return s
			}
		}
		t.Fatal("no encrypt in JSON body")
	}
	env, err := wecom.ParseEnvelope([]byte(v.Body))
	if err != nil {
		t.Fatal(err)
	}
	return env.Encrypt
}

// open runs the full receive path of the crypto: signature, then decrypt + receive ID.
func open(t *testing.T, v vector) ([]byte, error) {
	t.Helper()
	cr, err := wecom.NewCrypto(v.Token, v.AESKey, v.CorpID)
	if err != nil {
		t.Fatalf("NewCrypto: %v", err)
	}
	enc := encryptOf(t, v)
	if err := cr.VerifySignature(v.MsgSignature, v.Timestamp, v.Nonce, enc); err != nil {
		return nil, err
	}
	return cr.Decrypt(enc)
}

func TestVectorsAccepted(t *testing.T) {
	for _, v := range loadVectors(t).accepted() {
		t.Run(v.Name, func(t *testing.T) {
			got, err := open(t, v)
			if err != nil {
				t.Fatalf("rejected: %v", err)
			}
			if string(got) != v.ExpectedPlaintext {
				t.Fatalf("plaintext mismatch:\n got %q\nwant %q", got, v.ExpectedPlaintext)
			}
		})
	}
}

func TestVectorsForgedRejected(t *testing.T) {
	classes := map[string]error{"signature": wecom.ErrSignature, "decrypt": wecom.ErrDecrypt, "receiveid": wecom.ErrReceiveID}
	for _, v := range loadVectors(t).Forged {
		t.Run(v.Name, func(t *testing.T) {
			if v.Expected != "reject" {
				t.Fatalf("forged vector expected=%q", v.Expected)
			}
			got, err := open(t, v)
			if err == nil {
				t.Fatalf("accepted a forged vector, plaintext %q", got)
			}
			if want := classes[v.RejectClass]; !errors.Is(err, want) {
				t.Fatalf("rejected with %v, want class %s", err, v.RejectClass)
			}
		})
	}
}

func TestVectorDecryptOnly(t *testing.T) {
	for _, v := range loadVectors(t).OfficialDecryptOnly {
		key, err := wecom.DecodeAESKey(v.AESKey)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := base64.StdEncoding.DecodeString(v.Encrypt)
		if err != nil {
			t.Fatal(err)
		}
		msg, rid, err := wecom.DecryptRaw(key, raw)
		if err != nil {
			t.Fatalf("DecryptRaw: %v", err)
		}
		if string(msg) != v.ExpectedPlaintext || string(rid) != v.ExpectedReceiveID {
			t.Fatalf("got %q / %q, want %q / %q", msg, rid, v.ExpectedPlaintext, v.ExpectedReceiveID)
		}
		cr, _ := wecom.NewCrypto("t", v.AESKey, "ww0000")
		if _, err := cr.Decrypt(v.Encrypt); !errors.Is(err, wecom.ErrReceiveID) {
			t.Fatalf("other corp id: got %v, want ErrReceiveID", err)
		}
	}
}

// Re-encrypting an accepted vector's plaintext with its random prefix must give the
// exact official ciphertext: our encryption is byte-compatible with WXBizMsgCrypt.
func TestEncryptMatchesVectors(t *testing.T) {
	for _, v := range loadVectors(t).accepted() {
		if v.RandomPrefixHex == "" {
			continue
		}
		t.Run(v.Name, func(t *testing.T) {
			cr, err := wecom.NewCrypto(v.Token, v.AESKey, v.CorpID)
			if err != nil {
				t.Fatal(err)
			}
			random, _ := hex.DecodeString(v.RandomPrefixHex)
			enc := encryptOf(t, v)
			if got := cr.EncryptWithRandom(random, []byte(v.ExpectedPlaintext)); got != enc {
				t.Fatalf("ciphertext differs:\n got %s\nwant %s", got, enc)
			}
			if sig := cr.Sign(v.Timestamp, v.Nonce, enc); sig != v.MsgSignature {
				t.Fatalf("signature %s, want %s", sig, v.MsgSignature)
			}
		})
	}
}

func TestRoundTripAllPadLengths(t *testing.T) {
	cr, err := wecom.NewCrypto("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for n := 0; n < 64; n++ {
		msg := bytes.Repeat([]byte("企"), n/3)
		msg = append(msg, bytes.Repeat([]byte("x"), n%3)...)
		enc, err := cr.Encrypt(msg)
		if err != nil {
			t.Fatal(err)
		}
		got, err := cr.Decrypt(enc)
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("len %d: got %q, %v", len(msg), got, err)
		}
		seen[32-(20+len(msg)+len("wx5823bf96d3bd56c7"))%32] = true
	}
	if len(seen) != 32 {
		t.Fatalf("covered %d pad lengths, want all 32", len(seen))
	}
}

func TestDecodeAESKeyRejects(t *testing.T) {
	for _, k := range []string{"", "short", strings.Repeat("a", 42), strings.Repeat("a", 44), strings.Repeat("a", 42) + "+", strings.Repeat("a", 42) + "="} {
		if _, err := wecom.DecodeAESKey(k); err == nil {
			t.Errorf("DecodeAESKey(%q) accepted", k)
		}
	}
}

func TestDecryptRawRejectsBadKeyAndShortInput(t *testing.T) {
	if _, _, err := wecom.DecryptRaw(make([]byte, 16), make([]byte, 32)); !errors.Is(err, wecom.ErrDecrypt) {
		t.Fatalf("16-byte key: %v", err)
	}
	key := make([]byte, 32)
	for _, n := range []int{0, 16, 31, 48} {
		if _, _, err := wecom.DecryptRaw(key, make([]byte, n)); !errors.Is(err, wecom.ErrDecrypt) {
			t.Fatalf("len %d: %v", n, err)
		}
	}
}

func FuzzDecrypt(f *testing.F) {
	vf := loadVectors(f)
	for _, v := range append(vf.accepted(), vf.Forged...) {
		if v.Kind == "verify_url" {
			f.Add(v.Echostr)
		} else if env, err := wecom.ParseEnvelope([]byte(v.Body)); err == nil {
			f.Add(env.Encrypt)
		}
	}
	f.Add("")
	f.Add("AAAA")
	f.Add(strings.Repeat("A", 44))
	cr, err := wecom.NewCrypto("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, enc string) {
		msg, err := cr.Decrypt(enc)
		if err != nil {
			if !errors.Is(err, wecom.ErrDecrypt) && !errors.Is(err, wecom.ErrReceiveID) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		// Anything accepted must survive a round trip.
		again, err := cr.Encrypt(msg)
		if err != nil {
			t.Fatal(err)
		}
		back, err := cr.Decrypt(again)
		if err != nil || !bytes.Equal(back, msg) {
			t.Fatalf("round trip failed: %v", err)
		}
	})
}
