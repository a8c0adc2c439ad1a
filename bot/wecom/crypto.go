package wecom

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/silenceper/wechat/v2/util"
)

// Rejection classes of a callback that fails the crypto checks.
var (
	ErrSignature = errors.New("wecom: msg_signature mismatch")
	ErrDecrypt   = errors.New("wecom: cannot decrypt")
	ErrReceiveID = errors.New("wecom: receive id does not match corp id")
)

// blockSize is WXBizMsgCrypt's PKCS#7 block: 32 bytes, so a pad is 1..32 bytes
// (AES itself works on 16-byte blocks).
const blockSize = 32

// Crypto signs, verifies, encrypts and decrypts callbacks for one app.
type Crypto struct {
	token  string
	corpID string
	key    []byte
}

// NewCrypto checks the EncodingAESKey (43 chars of [A-Za-z0-9]) and returns a Crypto
// whose Decrypt accepts only payloads addressed to corpID.
func NewCrypto(token, encodingAESKey, corpID string) (*Crypto, error) {
	key, err := DecodeAESKey(encodingAESKey)
	if err != nil {
		return nil, err
	}
	if token == "" || corpID == "" {
		return nil, errors.New("wecom: token and corp id are required")
	}
	return &Crypto{token: token, corpID: corpID, key: key}, nil
}

// DecodeAESKey turns the 43-character EncodingAESKey into the 32-byte AES key.
func DecodeAESKey(encodingAESKey string) ([]byte, error) {
	if len(encodingAESKey) != 43 || !isAlnum(encodingAESKey) {
		return nil, errors.New("wecom: EncodingAESKey must be 43 characters of A-Z, a-z, 0-9")
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, errors.New("wecom: EncodingAESKey is not valid base64 for a 32-byte key")
	}
	return key, nil
}

// CorpID is the receive ID this Crypto accepts.
func (c *Crypto) CorpID() string { return c.corpID }

// Sign computes msg_signature over token, timestamp, nonce and the encrypted text.
func (c *Crypto) Sign(timestamp, nonce, encrypted string) string {
	return util.Signature(c.token, timestamp, nonce, encrypted)
}

// VerifySignature compares msg_signature exactly (lower-case hex, constant time).
func (c *Crypto) VerifySignature(signature, timestamp, nonce, encrypted string) error {
	want := c.Sign(timestamp, nonce, encrypted)
	if subtle.ConstantTimeCompare([]byte(want), []byte(signature)) != 1 {
		return ErrSignature
	}
	return nil
}

// Decrypt opens a base64 Encrypt/echostr value and checks that the receive ID equals
// the corp ID exactly.
func (c *Crypto) Decrypt(encrypted string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil {
		return nil, fmt.Errorf("%w: base64: %v", ErrDecrypt, err)
	}
	msg, receiveID, err := DecryptRaw(c.key, raw)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(receiveID, []byte(c.corpID)) != 1 {
		return nil, ErrReceiveID
	}
	return msg, nil
}

// Encrypt seals msg for this corp with a fresh random prefix and returns base64.
func (c *Crypto) Encrypt(msg []byte) (string, error) {
	random := make([]byte, 16)
	if _, err := rand.Read(random); err != nil {
		return "", err
	}
	return c.EncryptWithRandom(random, msg), nil
}

// EncryptWithRandom seals msg with the given 16-byte random prefix (for test vectors).
func (c *Crypto) EncryptWithRandom(random, msg []byte) string {
	// util.AESEncryptMsg pads to 32 bytes as WXBizMsgCrypt does; it only panics on a
	// bad key, which NewCrypto has already ruled out.
	ct := util.AESEncryptMsg(random, msg, c.corpID, c.key)
	return base64.StdEncoding.EncodeToString(ct)
}

// DecryptRaw decrypts AES-256-CBC (IV = key[:16]) with strict PKCS#7 (pad 1..32,
// every pad byte checked) and splits random(16) || len(4) || msg || receiveID.
// silenceper's util.AESDecryptMsg reads only the last pad byte, so this is our own.
func DecryptRaw(key, ciphertext []byte) (msg, receiveID []byte, err error) {
	if len(key) != 32 {
		return nil, nil, fmt.Errorf("%w: key must be 32 bytes", ErrDecrypt)
	}
	if len(ciphertext) < blockSize || len(ciphertext)%blockSize != 0 {
		return nil, nil, fmt.Errorf("%w: ciphertext length %d is not a positive multiple of %d", ErrDecrypt, len(ciphertext), blockSize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrDecrypt, err)
	}
	plain := make([]byte, len(ciphertext))
	cipher.NewCBCDecrypter(block, key[:aes.BlockSize]).CryptBlocks(plain, ciphertext)

	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > blockSize {
		return nil, nil, fmt.Errorf("%w: bad padding", ErrDecrypt)
	}
	for _, b := range plain[len(plain)-pad:] {
		if int(b) != pad {
			return nil, nil, fmt.Errorf("%w: bad padding", ErrDecrypt)
		}
	}
	plain = plain[:len(plain)-pad]
	if len(plain) < 20 {
		return nil, nil, fmt.Errorf("%w: plaintext too short", ErrDecrypt)
	}
	n := uint64(binary.BigEndian.Uint32(plain[16:20]))
	if n > uint64(len(plain)-20) {
		return nil, nil, fmt.Errorf("%w: message length %d exceeds payload", ErrDecrypt, n)
	}
	end := 20 + int(n)
	return plain[20:end:end], plain[end:], nil
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
