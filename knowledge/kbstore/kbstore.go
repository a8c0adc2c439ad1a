// Package kbstore keeps knowledge-base feedback (有用/没用 per entry) and the
// questions the bot could not answer, with counts, in Redis. All keys of one
// deployment share a hash tag so the Lua scripts work on Redis Cluster.
package kbstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"deliverybot/knowledge"
)

// DefaultMaxGaps bounds how many distinct unanswered questions (and, apart,
// picked suggestions) are kept; the least frequent are dropped first.
const DefaultMaxGaps = 5000

// maxQuestionRunes caps what is stored of one question.
const maxQuestionRunes = 200

// Store is the Redis-backed feedback and gap log.
type Store struct {
	rdb     redis.UniversalClient
	tag     string // "{<prefix>kb}"
	maxGaps int
}

// New returns a store keeping its keys under prefix (e.g. "deliverybot:").
func New(rdb redis.UniversalClient, prefix string) *Store {
	return &Store{rdb: rdb, tag: "{" + prefix + "kb}", maxGaps: DefaultMaxGaps}
}

// WithMaxGaps sets how many distinct unanswered questions are kept.
func (s *Store) WithMaxGaps(n int) *Store {
	c := *s
	c.maxGaps = n
	return &c
}

func (s *Store) key(parts ...string) string { return s.tag + ":" + strings.Join(parts, ":") }

// Vote is a user's rating of an entry.
type Vote string

const (
	Useful  Vote = "up"   // 有用
	Useless Vote = "down" // 没用
)

// voteScript records one user's vote on an entry; a changed vote moves the
// count, a repeated vote changes nothing. Returns 1 when counts changed.
var voteScript = redis.NewScript(`
local prev = redis.call('HGET', KEYS[1], ARGV[1])
if prev == ARGV[3] then return 0 end
if prev == 'up' then redis.call('ZINCRBY', KEYS[2], -1, ARGV[2]) end
if prev == 'down' then redis.call('ZINCRBY', KEYS[3], -1, ARGV[2]) end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
if ARGV[3] == 'up' then redis.call('ZINCRBY', KEYS[2], 1, ARGV[2]) else redis.call('ZINCRBY', KEYS[3], 1, ARGV[2]) end
return 1
`)

// RecordVote stores userID's vote on entryID. Each user counts once per entry;
// changing one's mind moves the vote. It reports whether the counts changed.
func (s *Store) RecordVote(ctx context.Context, entryID, userID string, v Vote) (bool, error) {
	if entryID == "" {
		return false, errors.New("kbstore: empty entry ID")
	}
	if v != Useful && v != Useless {
		return false, fmt.Errorf("kbstore: bad vote %q", v)
	}
	if userID == "" {
		userID = "anonymous"
	}
	keys := []string{s.key("fb", "votes", entryID), s.key("fb", "up"), s.key("fb", "down")}
	n, err := voteScript.Run(ctx, s.rdb, keys, userID, entryID, string(v)).Int()
	if err != nil {
		return false, fmt.Errorf("kbstore: record vote: %w", err)
	}
	return n == 1, nil
}

// EntryFeedback is the vote count of one entry.
type EntryFeedback struct {
	EntryID string `json:"entry_id"`
	Useful  int64  `json:"useful"`
	Useless int64  `json:"useless"`
}

// Feedback returns the counts for one entry.
func (s *Store) Feedback(ctx context.Context, entryID string) (EntryFeedback, error) {
	pipe := s.rdb.Pipeline()
	up := pipe.ZScore(ctx, s.key("fb", "up"), entryID)
	down := pipe.ZScore(ctx, s.key("fb", "down"), entryID)
	_, err := pipe.Exec(ctx)
	if err != nil && !errors.Is(err, redis.Nil) {
		return EntryFeedback{}, fmt.Errorf("kbstore: feedback: %w", err)
	}
	return EntryFeedback{EntryID: entryID, Useful: int64(up.Val()), Useless: int64(down.Val())}, nil
}

// TopUseless returns up to n entries with the most 没用 votes, most first.
func (s *Store) TopUseless(ctx context.Context, n int) ([]EntryFeedback, error) {
	zs, err := s.rdb.ZRevRangeByScoreWithScores(ctx, s.key("fb", "down"), &redis.ZRangeBy{
		Max: "+inf", Min: "1", Count: int64(n),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("kbstore: top useless: %w", err)
	}
	out := make([]EntryFeedback, 0, len(zs))
	for _, z := range zs {
		id := z.Member.(string)
		up, err := s.rdb.ZScore(ctx, s.key("fb", "up"), id).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("kbstore: top useless: %w", err)
		}
		out = append(out, EntryFeedback{EntryID: id, Useful: int64(up), Useless: int64(z.Score)})
	}
	return out, nil
}

// gapScript counts one member of a counted log (unanswered questions, picked
// suggestions) and trims the least frequent when the log is full.
// KEYS: counts zset, text hash, last-seen hash.
var gapScript = redis.NewScript(`
redis.call('ZINCRBY', KEYS[1], 1, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[4])
if over > 0 then
  local gone = redis.call('ZRANGE', KEYS[1], 0, over - 1)
  for _, m in ipairs(gone) do
    if m ~= ARGV[1] then
      redis.call('ZREM', KEYS[1], m)
      redis.call('HDEL', KEYS[2], m)
      redis.call('HDEL', KEYS[3], m)
    end
  end
end
return 1
`)

// GapKey is how unanswered questions are grouped: basic-normalised, no spaces.
func GapKey(question string) string {
	k := strings.ReplaceAll(knowledge.BasicNormalize(question), " ", "")
	return truncate(k, maxQuestionRunes)
}

// LogUnanswered counts a question the bot had no answer for.
func (s *Store) LogUnanswered(ctx context.Context, question string, at time.Time) error {
	if err := s.count(ctx, "gaps", GapKey(question), question, at); err != nil {
		return fmt.Errorf("kbstore: log unanswered: %w", err)
	}
	return nil
}

// count adds one to member of the counted log name (remembering the latest
// wording and time) and trims the least frequent members when it is full.
func (s *Store) count(ctx context.Context, name, member, text string, at time.Time) error {
	if member == "" {
		return nil
	}
	keys := []string{s.key(name), s.key(name, "text"), s.key(name, "seen")}
	text = truncate(strings.TrimSpace(text), maxQuestionRunes)
	return gapScript.Run(ctx, s.rdb, keys, member, text, at.Unix(), s.maxGaps).Err()
}

// Gap is a question people asked that the KB could not answer.
type Gap struct {
	Question string    `json:"question"` // the latest wording seen
	Key      string    `json:"key"`
	Count    int64     `json:"count"`
	LastSeen time.Time `json:"last_seen"`
}

// TopGaps returns up to n most frequent unanswered questions.
func (s *Store) TopGaps(ctx context.Context, n int) ([]Gap, error) {
	gaps, err := s.top(ctx, "gaps", n)
	if err != nil {
		return nil, fmt.Errorf("kbstore: top gaps: %w", err)
	}
	return gaps, nil
}

// top returns up to n most frequent members of the counted log name.
func (s *Store) top(ctx context.Context, name string, n int) ([]Gap, error) {
	zs, err := s.rdb.ZRevRangeWithScores(ctx, s.key(name), 0, int64(n)-1).Result()
	if err != nil || len(zs) == 0 {
		return nil, err
	}
	members := make([]string, len(zs))
	for i, z := range zs {
		members[i] = z.Member.(string)
	}
	texts, err := s.rdb.HMGet(ctx, s.key(name, "text"), members...).Result()
	if err != nil {
		return nil, err
	}
	seen, err := s.rdb.HMGet(ctx, s.key(name, "seen"), members...).Result()
	if err != nil {
		return nil, err
	}
	out := make([]Gap, len(zs))
	for i, z := range zs {
		g := Gap{Key: members[i], Question: members[i], Count: int64(z.Score)}
		if t, ok := texts[i].(string); ok && t != "" {
			g.Question = t
		}
		if v, ok := seen[i].(string); ok {
			if sec, err := strconv.ParseInt(v, 10, 64); err == nil {
				g.LastSeen = time.Unix(sec, 0).UTC()
			}
		}
		out[i] = g
	}
	return out, nil
}

// Pick is a question a user asked in their own words and then answered with
// one of the "您是不是想问" choices: a ready-made 相似问法 for that entry.
type Pick struct {
	Question string    `json:"question"`
	EntryID  string    `json:"entry_id"`
	Count    int64     `json:"count"`
	LastSeen time.Time `json:"last_seen"`
}

// pickSep separates the entry ID from the question key in a pick's member;
// neither an ID nor a normalised question contains it.
const pickSep = "\x1f"

// LogPick counts that a user who asked question chose entryID from the suggestions.
func (s *Store) LogPick(ctx context.Context, question, entryID string, at time.Time) error {
	key := GapKey(question)
	if key == "" || entryID == "" {
		return nil
	}
	if err := s.count(ctx, "picks", entryID+pickSep+key, question, at); err != nil {
		return fmt.Errorf("kbstore: log pick: %w", err)
	}
	return nil
}

// uncountScript takes one off a member of a counted log, removing it at zero
// (a member that was never counted, or was trimmed, stays absent).
// KEYS: counts zset, text hash, last-seen hash.
var uncountScript = redis.NewScript(`
local n = redis.call('ZINCRBY', KEYS[1], -1, ARGV[1])
if tonumber(n) <= 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
end
return 1
`)

// RetractPick takes back one LogPick: the user rated the entry they picked 没用,
// so their question is not a phrasing of it after all.
func (s *Store) RetractPick(ctx context.Context, question, entryID string) error {
	key := GapKey(question)
	if key == "" || entryID == "" {
		return nil
	}
	keys := []string{s.key("picks"), s.key("picks", "text"), s.key("picks", "seen")}
	if err := uncountScript.Run(ctx, s.rdb, keys, entryID+pickSep+key).Err(); err != nil {
		return fmt.Errorf("kbstore: retract pick: %w", err)
	}
	return nil
}

// ForgetPick removes a (question, entry) pair, e.g. once it is a 相似问法.
func (s *Store) ForgetPick(ctx context.Context, question, entryID string) error {
	if err := s.forget(ctx, "picks", entryID+pickSep+GapKey(question)); err != nil {
		return fmt.Errorf("kbstore: forget pick: %w", err)
	}
	return nil
}

// forget removes member from the counted log name.
func (s *Store) forget(ctx context.Context, name, member string) error {
	pipe := s.rdb.TxPipeline()
	pipe.ZRem(ctx, s.key(name), member)
	pipe.HDel(ctx, s.key(name, "text"), member)
	pipe.HDel(ctx, s.key(name, "seen"), member)
	_, err := pipe.Exec(ctx)
	return err
}

// TopPicks returns up to n most frequent (question, chosen entry) pairs.
func (s *Store) TopPicks(ctx context.Context, n int) ([]Pick, error) {
	rows, err := s.top(ctx, "picks", n)
	if err != nil {
		return nil, fmt.Errorf("kbstore: top picks: %w", err)
	}
	out := make([]Pick, 0, len(rows))
	for _, r := range rows {
		id, _, ok := strings.Cut(r.Key, pickSep)
		if !ok {
			continue
		}
		out = append(out, Pick{Question: r.Question, EntryID: id, Count: r.Count, LastSeen: r.LastSeen})
	}
	return out, nil
}

// ForgetGap removes an unanswered question (e.g. once an entry covers it).
func (s *Store) ForgetGap(ctx context.Context, question string) error {
	if err := s.forget(ctx, "gaps", GapKey(question)); err != nil {
		return fmt.Errorf("kbstore: forget gap: %w", err)
	}
	return nil
}

func truncate(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}
