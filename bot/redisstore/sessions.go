// Package redisstore implements the core's stores on Redis (go-redis v9) and opens
// the Redis the process uses: a server, Sentinel or Cluster from configuration, or
// an embedded miniredis snapshotted to the data dir when none is configured.
package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"deliverybot/bot"
)

// DefaultSessionTTL keeps idle conversations for a week; forms expire much earlier by their own clock.
const DefaultSessionTTL = 7 * 24 * time.Hour

// Sessions stores conversation state as one hash per user: v (version) and d (JSON).
type Sessions struct {
	c      redis.UniversalClient
	prefix string
	ttl    time.Duration
}

// NewSessions returns a session store; keys are prefix+"session:{userID}".
func NewSessions(c redis.UniversalClient, prefix string, ttl time.Duration) *Sessions {
	if ttl <= 0 {
		ttl = DefaultSessionTTL
	}
	return &Sessions{c: c, prefix: prefix, ttl: ttl}
}

func (s *Sessions) key(user string) string { return s.prefix + "session:{" + user + "}" }

// Load returns the stored session or a fresh one at version 0.
func (s *Sessions) Load(ctx context.Context, userID string) (*bot.Session, error) {
	vals, err := s.c.HMGet(ctx, s.key(userID), "v", "d").Result()
	if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	sess := &bot.Session{UserID: userID}
	v, _ := vals[0].(string)
	d, _ := vals[1].(string)
	if v == "" || d == "" {
		return sess, nil
	}
	if err := json.Unmarshal([]byte(d), sess); err != nil {
		// A corrupt session must not lock the user out: start fresh, keep the version for CAS.
		sess = &bot.Session{UserID: userID}
	}
	sess.Version, _ = strconv.ParseInt(v, 10, 64)
	sess.UserID = userID
	return sess, nil
}

// casScript writes the session only if its stored version is the one it was loaded at.
var casScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], 'v')
if not cur then cur = '0' end
if cur ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'd', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`)

// Save stores s if nobody saved since it was loaded; otherwise bot.ErrConflict.
func (s *Sessions) Save(ctx context.Context, sess *bot.Session) error {
	next := sess.Version + 1
	saved := *sess
	saved.Version = next
	data, err := json.Marshal(&saved)
	if err != nil {
		return fmt.Errorf("encode session: %w", err)
	}
	ok, err := casScript.Run(ctx, s.c, []string{s.key(sess.UserID)},
		strconv.FormatInt(sess.Version, 10), strconv.FormatInt(next, 10), data, s.ttl.Milliseconds()).Int()
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	if ok != 1 {
		return bot.ErrConflict
	}
	sess.Version = next
	return nil
}

// Delete removes a user's session (e.g. on user deletion).
func (s *Sessions) Delete(ctx context.Context, userID string) error {
	return s.c.Del(ctx, s.key(userID)).Err()
}

var _ bot.SessionStore = (*Sessions)(nil)
