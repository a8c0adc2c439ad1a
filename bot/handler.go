package bot

import (
	"context"
	"log/slog"
	"strings"
	"time"
)

// Request is what a handler sees: the message plus who sent it and their conversation.
type Request struct {
	Msg      Message
	ID       string // request ID, also in every log line
	Identity *Identity
	Session  *Session
	Now      time.Time
	Log      *slog.Logger
	// Deps gives handlers the shared services (notify other users, blobs, FAQ lookup).
	Deps *Deps

	args   string // text after the command word
	failed bool   // set when the handler panicked: the session is not saved
}

// Args is the text after the command word ("受理 BX-1" → "BX-1").
func (r *Request) Args() string { return r.args }

// Text is the trimmed message text.
func (r *Request) Text() string { return strings.TrimSpace(r.Msg.Text) }

// UserID is the speaking user.
func (r *Request) UserID() string { return r.Msg.UserID }

// Handler answers a request with zero or more replies.
type Handler interface {
	Handle(ctx context.Context, req *Request) ([]Reply, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, req *Request) ([]Reply, error)

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, req *Request) ([]Reply, error) { return f(ctx, req) }

// Middleware wraps a handler.
type Middleware func(Handler) Handler

// Notifier delivers a reply to any user, outside a request (schedulers, notifications).
type Notifier interface {
	Notify(ctx context.Context, userID string, r Reply) error
}

// BlobStore keeps media (photos) under stable references.
type BlobStore interface {
	Put(ctx context.Context, data []byte, contentType string) (ref string, err error)
	Get(ctx context.Context, ref string) (data []byte, contentType string, err error)
}

// Clock lets tests control time.
type Clock interface{ Now() time.Time }

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// Deps are the shared services available to handlers through the request.
type Deps struct {
	Notifier Notifier
	Blobs    BlobStore
	Clock    Clock
	// FAQ answers a free-text question, or returns (nil, false) when it has no answer.
	// Dialogs use it for digressions and ticket filing for KB deflection.
	FAQ FAQ
}

// FAQ looks up an answer in the knowledge base.
type FAQ interface {
	// Answer returns replies and true when the KB is confident enough to answer.
	Answer(ctx context.Context, req *Request, question string) ([]Reply, bool)
}
