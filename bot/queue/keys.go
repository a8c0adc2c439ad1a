package queue

import (
	"crypto/sha256"
	"encoding/hex"
	"hash/fnv"
	"strconv"
)

// group is the consumer group every pool joins.
const group = "workers"

// keys lays out the Redis keys under one prefix. Everything that one script
// touches for a partition shares the hash tag "{<prefix>q:<n>}".
type keys struct {
	prefix     string
	partitions int
}

func (k keys) partition(userID string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(userID))
	return int(h.Sum32() % uint32(k.partitions))
}

func (k keys) tag(p int) string    { return "{" + k.prefix + "q:" + strconv.Itoa(p) + "}" }
func (k keys) stream(p int) string { return k.tag(p) + ":stream" }
func (k keys) dead(p int) string   { return k.tag(p) + ":dead" }
func (k keys) lease(p int) string  { return k.tag(p) + ":lease" }
func (k keys) pools() string       { return k.prefix + "q:pools" }
func (k keys) outbox(msgID string, idx int) string {
	return k.prefix + "outbox:" + compact(msgID) + ":" + strconv.Itoa(idx)
}
func (k keys) rate(userID string) string { return k.prefix + "rate:" + compact(userID) }
func (k keys) replay(ts, nonce string) string {
	return k.prefix + "replay:" + compact(ts+":"+nonce)
}

// dedupe is in the partition's slot so Accept's script can set it with the XADD.
func (k keys) dedupe(p int, dedupeKey string) string {
	return k.tag(p) + ":d:" + compact(dedupeKey)
}

// compact keeps short identifiers readable and hashes long or odd ones, so a
// caller-controlled string cannot make huge keys.
func compact(s string) string {
	if len(s) <= 96 {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return "h:" + hex.EncodeToString(sum[:])
}

func strconvItoa(i int) string { return strconv.Itoa(i) }
