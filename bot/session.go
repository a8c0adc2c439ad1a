package bot

import (
	"context"
	"errors"
	"time"
)

// ErrConflict is returned by SessionStore.Save when another writer saved the
// session since it was loaded; the caller reloads and retries.
var ErrConflict = errors.New("session changed concurrently")

// Session is one user's conversation state.
type Session struct {
	UserID string `json:"user_id"`
	// Version is the stored version this session was loaded at (0 = never saved).
	Version int64 `json:"version"`
	// Form is the active form dialog, nil when none.
	Form *FormState `json:"form,omitempty"`
	// Choices maps a numbered answer ("1", "2"…) to the value it stands for: the
	// buttons of the last card the user was shown.
	Choices []string `json:"choices,omitempty"`
	// ChoiceLabels are those buttons' labels, so typing one ("非常满意") picks
	// it where its value differs ("评分 BX-… 5").
	ChoiceLabels []string `json:"choice_labels,omitempty"`
	// Vars is small conversation memory (e.g. the chosen project).
	Vars map[string]string `json:"vars,omitempty"`
	// Notice is told to the user on their next message (e.g. their form expired).
	Notice string `json:"notice,omitempty"`
	// LastMsgID and LastReplies record the last message processed and what it
	// produced, saved atomically with the state it changed: a message processed
	// again (a worker crashed before sending) replays the same replies instead of
	// running the handlers on already-advanced state.
	LastMsgID   string    `json:"last_msg_id,omitempty"`
	LastReplies []Reply   `json:"last_replies,omitempty"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Var returns a conversation variable.
func (s *Session) Var(k string) string {
	if s == nil || s.Vars == nil {
		return ""
	}
	return s.Vars[k]
}

// SetVar sets (or with an empty value clears) a conversation variable.
func (s *Session) SetVar(k, v string) {
	if v == "" {
		delete(s.Vars, k)
		return
	}
	if s.Vars == nil {
		s.Vars = map[string]string{}
	}
	s.Vars[k] = v
}

// SessionStore keeps conversation state. Save must be a compare-and-set on Version
// so two replicas handling the same user never overwrite each other.
type SessionStore interface {
	// Load returns the user's session, or a new empty one (Version 0).
	Load(ctx context.Context, userID string) (*Session, error)
	// Save stores s if the stored version still equals s.Version, then bumps
	// s.Version; otherwise it returns ErrConflict and stores nothing.
	Save(ctx context.Context, s *Session) error
}
