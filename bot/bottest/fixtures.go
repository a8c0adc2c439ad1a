package bottest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"

	"deliverybot/bot"
)

// StaticIdentities resolves a fixed set of people; everyone else is unknown.
type staticIdentities map[string]*bot.Identity

// StaticIdentities builds a resolver from fixture identities.
func StaticIdentities(ids ...*bot.Identity) bot.IdentityResolver {
	m := staticIdentities{}
	for _, id := range ids {
		id.Known = true
		m[id.UserID] = id
	}
	return m
}

func (s staticIdentities) Resolve(_ context.Context, userID string) (*bot.Identity, error) {
	if id, ok := s[userID]; ok {
		cp := *id
		return &cp, nil
	}
	return &bot.Identity{UserID: userID}, nil
}

// Person builds a fixture identity with memberships "project:role" (append ":ccb" for CCB).
func Person(userID, name string, memberships ...bot.Membership) *bot.Identity {
	return &bot.Identity{UserID: userID, Name: name, Known: true, Projects: memberships}
}

// Member is a fixture membership.
func Member(projectID, projectName string, role bot.Role, ccb bool) bot.Membership {
	return bot.Membership{ProjectID: projectID, ProjectName: projectName, Role: role, CCB: ccb}
}

// Notifier records messages sent to users other than the speaker.
type Notifier struct {
	mu    sync.Mutex
	inbox map[string][]bot.Reply
}

// Notify records r for userID.
func (n *Notifier) Notify(_ context.Context, userID string, r bot.Reply) error {
	n.record(userID, r)
	return nil
}

func (n *Notifier) record(user string, r bot.Reply) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.inbox == nil {
		n.inbox = map[string][]bot.Reply{}
	}
	n.inbox[user] = append(n.inbox[user], r)
}

// Inbox returns and clears what userID was sent.
func (n *Notifier) Inbox(userID string) []bot.Reply {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := n.inbox[userID]
	delete(n.inbox, userID)
	return out
}

// MemBlobs is an in-memory bot.BlobStore.
type MemBlobs struct {
	mu    sync.Mutex
	blobs map[string]memBlob
}

type memBlob struct {
	data []byte
	ct   string
}

// NewMemBlobs returns an empty blob store.
func NewMemBlobs() *MemBlobs { return &MemBlobs{blobs: map[string]memBlob{}} }

// Put stores data under a content hash.
func (m *MemBlobs) Put(_ context.Context, data []byte, contentType string) (string, error) {
	sum := sha256.Sum256(data)
	ref := "blob:sha256:" + hex.EncodeToString(sum[:])
	m.mu.Lock()
	m.blobs[ref] = memBlob{data: append([]byte(nil), data...), ct: contentType}
	m.mu.Unlock()
	return ref, nil
}

// Get returns a stored blob.
func (m *MemBlobs) Get(_ context.Context, ref string) ([]byte, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.blobs[ref]
	if !ok {
		return nil, "", fmt.Errorf("blob %s not found", ref)
	}
	return b.data, b.ct, nil
}
