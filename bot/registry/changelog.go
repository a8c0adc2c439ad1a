package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/redis/go-redis/v9"
)

// ChangeLog stores each project's runtime changes in order. It is the overlay over
// the registry file and the audit log at once.
type ChangeLog interface {
	// Append stores c at the end of the project's log and returns its 1-based position.
	Append(ctx context.Context, projectID string, c Change) (int64, error)
	// List returns the project's changes in order, with Seq set.
	List(ctx context.Context, projectID string) ([]Change, error)
}

// RedisChangeLog keeps one Redis list per project under Prefix.
type RedisChangeLog struct {
	Client redis.UniversalClient
	Prefix string // e.g. "deliverybot:"
}

func (l *RedisChangeLog) key(projectID string) string {
	return l.Prefix + "registry:changes:" + projectID
}

// Append pushes the change; RPUSH returns the new length, which is the change's position.
func (l *RedisChangeLog) Append(ctx context.Context, projectID string, c Change) (int64, error) {
	c.Seq = 0
	b, err := json.Marshal(c)
	if err != nil {
		return 0, err
	}
	n, err := l.Client.RPush(ctx, l.key(projectID), b).Result()
	if err != nil {
		return 0, fmt.Errorf("registry: store change: %w", err)
	}
	return n, nil
}

// List reads the whole log of a project.
func (l *RedisChangeLog) List(ctx context.Context, projectID string) ([]Change, error) {
	raw, err := l.Client.LRange(ctx, l.key(projectID), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("registry: read changes: %w", err)
	}
	out := make([]Change, 0, len(raw))
	for i, s := range raw {
		var c Change
		if err := json.Unmarshal([]byte(s), &c); err != nil {
			return nil, fmt.Errorf("registry: change %d of %s is corrupt: %w", i+1, projectID, err)
		}
		c.Seq = int64(i + 1)
		out = append(out, c)
	}
	return out, nil
}

// MemoryChangeLog is an in-process ChangeLog for tests and a Redis-less `chat`.
type MemoryChangeLog struct {
	mu   sync.Mutex
	logs map[string][]Change
}

// Append stores c in memory.
func (l *MemoryChangeLog) Append(_ context.Context, projectID string, c Change) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.logs == nil {
		l.logs = map[string][]Change{}
	}
	l.logs[projectID] = append(l.logs[projectID], c)
	return int64(len(l.logs[projectID])), nil
}

// List returns a copy of the project's changes.
func (l *MemoryChangeLog) List(_ context.Context, projectID string) ([]Change, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := append([]Change(nil), l.logs[projectID]...)
	for i := range out {
		out[i].Seq = int64(i + 1)
	}
	return out, nil
}
