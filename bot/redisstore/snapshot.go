package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

type snapshot struct {
	Version int       `json:"version"`
	Saved   time.Time `json:"saved"`
	Keys    []snapKey `json:"keys"`
}

type snapKey struct {
	Key    string             `json:"k"`
	Type   string             `json:"t"`
	TTLms  int64              `json:"ttl_ms,omitempty"`
	Str    string             `json:"s,omitempty"`
	Hash   map[string]string  `json:"h,omitempty"`
	List   []string           `json:"l,omitempty"`
	Set    []string           `json:"set,omitempty"`
	ZSet   map[string]float64 `json:"z,omitempty"`
	Stream []snapEntry        `json:"x,omitempty"`
	Groups []snapGroup        `json:"g,omitempty"`
}

type snapEntry struct {
	ID     string   `json:"id"`
	Values []string `json:"v"`
}

type snapGroup struct {
	Name string `json:"name"`
	// LastID is where the group resumes: just before its oldest unacknowledged
	// entry, so pending work is delivered again after a restart.
	LastID string `json:"last_id"`
}

func dumpAll(ctx context.Context, m *miniredis.Miniredis, c *redis.Client) (*snapshot, error) {
	snap := &snapshot{Version: 1, Saved: time.Now()}
	for _, k := range m.Keys() {
		sk := snapKey{Key: k, Type: m.Type(k)}
		if ttl := m.TTL(k); ttl > 0 {
			sk.TTLms = ttl.Milliseconds()
		}
		var err error
		switch sk.Type {
		case "string":
			sk.Str, err = m.Get(k)
		case "hash":
			sk.Hash, err = dumpHash(m, k)
		case "list":
			sk.List, err = m.List(k)
		case "set":
			sk.Set, err = m.Members(k)
		case "zset":
			sk.ZSet, err = m.SortedSet(k)
		case "stream":
			err = dumpStream(ctx, m, c, &sk)
		case "":
			continue // expired meanwhile
		default:
			return nil, fmt.Errorf("snapshot: key %q has unsupported type %s", k, sk.Type)
		}
		if err != nil {
			if strings.Contains(err.Error(), "no such key") {
				continue
			}
			return nil, fmt.Errorf("snapshot %q: %w", k, err)
		}
		snap.Keys = append(snap.Keys, sk)
	}
	return snap, nil
}

func dumpHash(m *miniredis.Miniredis, k string) (map[string]string, error) {
	fields, err := m.HKeys(k)
	if err != nil {
		return nil, err
	}
	h := make(map[string]string, len(fields))
	for _, f := range fields {
		h[f] = m.HGet(k, f)
	}
	return h, nil
}

func dumpStream(ctx context.Context, m *miniredis.Miniredis, c *redis.Client, sk *snapKey) error {
	entries, err := m.Stream(sk.Key)
	if err != nil {
		return err
	}
	for _, e := range entries {
		sk.Stream = append(sk.Stream, snapEntry{ID: e.ID, Values: e.Values})
	}
	groups, err := c.XInfoGroups(ctx, sk.Key).Result()
	if err != nil {
		return err
	}
	for _, g := range groups {
		last := g.LastDeliveredID
		if g.Pending > 0 {
			p, err := c.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: sk.Key, Group: g.Name,
				Start: "-", End: "+", Count: 1}).Result()
			if err == nil && len(p) > 0 {
				last = previousID(p[0].ID)
			}
		}
		sk.Groups = append(sk.Groups, snapGroup{Name: g.Name, LastID: last})
	}
	return nil
}

// previousID returns the stream ID just before id.
func previousID(id string) string {
	ms, seq, ok := strings.Cut(id, "-")
	if !ok {
		return "0"
	}
	s, _ := strconv.ParseUint(seq, 10, 64)
	if s > 0 {
		return ms + "-" + strconv.FormatUint(s-1, 10)
	}
	t, _ := strconv.ParseUint(ms, 10, 64)
	if t == 0 {
		return "0"
	}
	return strconv.FormatUint(t-1, 10) + "-18446744073709551615"
}

// loadAll restores snap, whose TTLs are aged by downtime; keys that expired
// meanwhile are left out.
func loadAll(ctx context.Context, m *miniredis.Miniredis, c *redis.Client, snap *snapshot, downtime time.Duration) error {
	downtime = max(downtime, 0)
	for _, sk := range snap.Keys {
		ttl := time.Duration(sk.TTLms) * time.Millisecond
		if sk.TTLms > 0 && ttl <= downtime {
			continue
		}
		if err := loadKey(ctx, m, c, &sk); err != nil {
			return fmt.Errorf("restore %q: %w", sk.Key, err)
		}
		if sk.TTLms > 0 {
			m.SetTTL(sk.Key, ttl-downtime)
		}
	}
	return nil
}

func loadKey(ctx context.Context, m *miniredis.Miniredis, c *redis.Client, sk *snapKey) error {
	switch sk.Type {
	case "string":
		return m.Set(sk.Key, sk.Str)
	case "hash":
		for f, v := range sk.Hash {
			m.HSet(sk.Key, f, v)
		}
	case "list":
		_, err := m.Push(sk.Key, sk.List...)
		return err
	case "set":
		_, err := m.SetAdd(sk.Key, sk.Set...)
		return err
	case "zset":
		for mem, score := range sk.ZSet {
			if _, err := m.ZAdd(sk.Key, score, mem); err != nil {
				return err
			}
		}
	case "stream":
		for _, e := range sk.Stream {
			if _, err := m.XAdd(sk.Key, e.ID, e.Values); err != nil {
				return err
			}
		}
		for _, g := range sk.Groups {
			if err := c.XGroupCreateMkStream(ctx, sk.Key, g.Name, g.LastID).Err(); err != nil {
				return err
			}
		}
	}
	return nil
}
