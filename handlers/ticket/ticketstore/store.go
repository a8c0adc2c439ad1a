package ticketstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Store keeps tickets in Redis.
type Store struct {
	rdb redis.UniversalClient
	tag string // "{prefix ticket}": one hash slot for every ticket key
	loc *time.Location
	// MsgTTL is how long a source message ID is remembered for idempotency.
	MsgTTL time.Duration
}

// New returns a store with keys under prefix; IDs use the calendar date in loc
// (Asia/Shanghai in production).
func New(rdb redis.UniversalClient, prefix string, loc *time.Location) *Store {
	if loc == nil {
		loc = time.FixedZone("CST", 8*3600)
	}
	return &Store{rdb: rdb, tag: "{" + prefix + "ticket}", loc: loc, MsgTTL: 7 * 24 * time.Hour}
}

func (s *Store) key(parts ...string) string {
	k := s.tag
	for _, p := range parts {
		k += ":" + p
	}
	return k
}

func (s *Store) ticketKey(id string) string { return s.key("t", id) }
func (s *Store) eventsKey(id string) string { return s.key("ev", id) }

// indexKeys are the sorted sets a ticket belongs to in its current state.
func (s *Store) indexKeys(t *Ticket) []string {
	keys := []string{s.key("idx", "all"), s.key("idx", "project", t.Project), s.key("idx", "status", string(t.Status)),
		s.key("idx", "reporter", t.Reporter)}
	if t.Assignee != "" {
		keys = append(keys, s.key("idx", "assignee", t.Assignee))
	}
	if t.Status.Open() {
		keys = append(keys, s.key("idx", "open"))
	}
	return keys
}

func score(t *Ticket) string { return strconv.FormatInt(t.CreatedAt.UnixMilli(), 10) }

// Create stores a new ticket and returns its ID. It is idempotent on sourceKey
// (the message that confirmed the filing): a second call with the same key returns
// the first ticket's ID and created=false. t.ID is set.
func (s *Store) Create(ctx context.Context, t *Ticket, sourceKey string, first Event) (id string, created bool, err error) {
	msgKey := s.key("src", sourceKey)
	if prev, err := s.rdb.Get(ctx, msgKey).Result(); err == nil {
		t.ID = prev
		return prev, false, nil
	} else if !errors.Is(err, redis.Nil) {
		return "", false, fmt.Errorf("ticket create: %w", err)
	}
	day := t.CreatedAt.In(s.loc).Format("20060102")
	seqKey := s.key("seq", day)
	// The per-day counter is kept (one small key a day) for as long as the tickets
	// are, so a number is never handed out twice.
	n, err := s.rdb.Incr(ctx, seqKey).Result()
	if err != nil {
		return "", false, fmt.Errorf("ticket create: next number: %w", err)
	}
	t.ID = fmt.Sprintf("BX-%s-%04d", day, n)
	t.SourceMsg = sourceKey
	t.Version = 1
	data, err := json.Marshal(record(t))
	if err != nil {
		return "", false, err
	}
	ev, err := json.Marshal(first)
	if err != nil {
		return "", false, err
	}
	keys := append([]string{msgKey, s.ticketKey(t.ID), s.eventsKey(t.ID)}, s.indexKeys(t)...)
	got, err := createScript.Run(ctx, s.rdb, keys, t.ID, data, ev, score(t), int(s.MsgTTL.Seconds())).Text()
	if err != nil {
		return "", false, fmt.Errorf("ticket create %s: %w", t.ID, err)
	}
	// A concurrent duplicate won the race: this number stays unused.
	t.ID = got
	return got, got == fmt.Sprintf("BX-%s-%04d", day, n), nil
}

// record is the stored form of a ticket: everything but the history.
func record(t *Ticket) *Ticket {
	c := *t
	c.History = nil
	return &c
}

// Get loads a ticket with its history.
func (s *Store) Get(ctx context.Context, id string) (*Ticket, error) {
	pipe := s.rdb.Pipeline()
	h := pipe.HMGet(ctx, s.ticketKey(id), "data", "ver")
	ev := pipe.LRange(ctx, s.eventsKey(id), 0, -1)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("ticket get %s: %w", id, err)
	}
	t, err := decode(id, h.Val())
	if err != nil {
		return nil, err
	}
	for _, raw := range ev.Val() {
		var e Event
		if err := json.Unmarshal([]byte(raw), &e); err != nil {
			return nil, fmt.Errorf("ticket %s: bad event: %w", id, err)
		}
		t.History = append(t.History, e)
	}
	return t, nil
}

func decode(id string, vals []any) (*Ticket, error) {
	if len(vals) < 2 || vals[0] == nil {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	data, _ := vals[0].(string)
	var t Ticket
	if err := json.Unmarshal([]byte(data), &t); err != nil {
		return nil, fmt.Errorf("ticket %s: bad record: %w", id, err)
	}
	ver, _ := vals[1].(string)
	t.Version, _ = strconv.ParseInt(ver, 10, 64)
	t.ID = id
	return &t, nil
}

// maxUpdateAttempts bounds compare-and-set retries against concurrent writers.
const maxUpdateAttempts = 8

// Update loads the ticket (without its history), applies change and stores the
// result with its event, retrying when another writer got there first. change may
// return an error to abort (it is returned unchanged) and a zero Event to record
// nothing. The returned ticket's History holds only the new event.
func (s *Store) Update(ctx context.Context, id string, change func(t *Ticket) (Event, error)) (*Ticket, error) {
	for range maxUpdateAttempts {
		vals, err := s.rdb.HMGet(ctx, s.ticketKey(id), "data", "ver").Result()
		if err != nil {
			return nil, fmt.Errorf("ticket update %s: %w", id, err)
		}
		t, err := decode(id, vals)
		if err != nil {
			return nil, err
		}
		before := s.indexKeys(t)
		ev, err := change(t)
		if err != nil {
			return nil, err
		}
		ok, err := s.save(ctx, t, before, ev)
		if err != nil {
			return nil, err
		}
		if ok {
			if ev.Kind != "" {
				t.History = append(t.History, ev)
			}
			return t, nil
		}
	}
	return nil, fmt.Errorf("%w: %s", ErrConflict, id)
}

// save writes t if its stored version is still t.Version; false means retry.
func (s *Store) save(ctx context.Context, t *Ticket, before []string, ev Event) (bool, error) {
	after := s.indexKeys(t)
	keys := []string{s.ticketKey(t.ID), s.eventsKey(t.ID)}
	var ops []any
	for _, k := range before {
		if !slices.Contains(after, k) {
			keys, ops = append(keys, k), append(ops, "-")
		}
	}
	for _, k := range after {
		if !slices.Contains(before, k) {
			keys, ops = append(keys, k), append(ops, "+")
		}
	}
	data, err := json.Marshal(record(t))
	if err != nil {
		return false, err
	}
	evJSON := ""
	if ev.Kind != "" {
		b, err := json.Marshal(ev)
		if err != nil {
			return false, err
		}
		evJSON = string(b)
	}
	args := append([]any{t.Version, data, evJSON, score(t)}, ops...)
	v, err := updateScript.Run(ctx, s.rdb, keys, args...).Int64()
	switch {
	case err != nil:
		return false, fmt.Errorf("ticket update %s: %w", t.ID, err)
	case v < 0:
		return false, fmt.Errorf("%w: %s", ErrNotFound, t.ID)
	case v == 0:
		return false, nil
	}
	t.Version = v
	return true, nil
}

// List returns tickets matching f, newest first, without their history.
func (s *Store) List(ctx context.Context, f Filter) ([]*Ticket, error) {
	idx := s.key("idx", "all")
	switch {
	case f.Reporter != "":
		idx = s.key("idx", "reporter", f.Reporter)
	case f.Assignee != "":
		idx = s.key("idx", "assignee", f.Assignee)
	case f.Project != "":
		idx = s.key("idx", "project", f.Project)
	case f.Status != "":
		idx = s.key("idx", "status", string(f.Status))
	case f.OpenOnly:
		idx = s.key("idx", "open")
	}
	min := "-inf"
	if !f.Since.IsZero() {
		min = strconv.FormatInt(f.Since.UnixMilli(), 10)
	}
	ids, err := s.rdb.ZRevRangeByScore(ctx, idx, &redis.ZRangeBy{Min: min, Max: "+inf"}).Result()
	if err != nil {
		return nil, fmt.Errorf("ticket list: %w", err)
	}
	return s.load(ctx, ids, f)
}

func (s *Store) load(ctx context.Context, ids []string, f Filter) ([]*Ticket, error) {
	var out []*Ticket
	const batch = 200
	for start := 0; start < len(ids); start += batch {
		chunk := ids[start:min(start+batch, len(ids))]
		pipe := s.rdb.Pipeline()
		cmds := make([]*redis.SliceCmd, len(chunk))
		for i, id := range chunk {
			cmds[i] = pipe.HMGet(ctx, s.ticketKey(id), "data", "ver")
		}
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("ticket list: %w", err)
		}
		for i, c := range cmds {
			t, err := decode(chunk[i], c.Val())
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if f.Match(t) {
				out = append(out, t)
				if f.Limit > 0 && len(out) == f.Limit {
					return out, nil
				}
			}
		}
	}
	return out, nil
}

// Location is the zone ticket IDs and dates are in.
func (s *Store) Location() *time.Location { return s.loc }
