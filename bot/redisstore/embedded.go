package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// SnapshotFile is the embedded store's snapshot inside the data dir.
const SnapshotFile = "redis-snapshot.json"

// snapshotEvery is how soon after a change the snapshot is written.
const snapshotEvery = time.Second

// Embedded is an in-process miniredis whose contents survive restarts through a
// JSON snapshot in the data dir, written shortly after changes and on Close.
type Embedded struct {
	Mini     *miniredis.Miniredis
	Client   *redis.Client
	path     string
	log      *slog.Logger
	readOnly bool

	lock      *os.File   // held while this process owns the snapshot
	mu        sync.Mutex // serialises snapshots
	lastCount int

	durMu sync.Mutex
	// dumps counts the snapshot dumps begun; durable is the number of the
	// latest one on disk. A dump begun after a Sync call covers every write
	// that completed before the call. (miniredis's command count cannot tell:
	// it counts a command before running it, so a dump can start "after" a
	// write that has not happened yet.)
	dumps, durable int
	// written is closed after each snapshot write, waking Sync callers that
	// wait for a write in progress rather than queueing behind later ones.
	written chan struct{}
	// lastTick is when TTLs were last advanced: miniredis counts TTLs down
	// only when told, and a dead process's queue lease or an old dedupe mark
	// must expire as in Redis. (miniredis's ClockTTL does this on every
	// command, scanning all keys each time: far too slow under load.)
	lastTick time.Time
	stop     chan struct{}
	done     chan struct{}
}

// StartEmbedded starts miniredis, restores the snapshot in dataDir if there is one,
// and begins snapshotting.
func StartEmbedded(dataDir string, readOnly bool, log *slog.Logger) (*Embedded, error) {
	if dataDir == "" {
		return nil, errors.New("embedded store needs a data dir (--data-dir / DELIVERYBOT_DATA_DIR)")
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("data dir %s: %w", dataDir, err)
	}
	var lock *os.File
	if !readOnly {
		var err error
		if lock, err = lockDataDir(dataDir); err != nil {
			return nil, err
		}
	}
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		unlock(lock)
		return nil, fmt.Errorf("start embedded redis: %w", err)
	}
	e := &Embedded{Mini: m, Client: redis.NewClient(&redis.Options{Addr: m.Addr()}),
		path: filepath.Join(dataDir, SnapshotFile), log: log, readOnly: readOnly, lock: lock,
		lastTick: time.Now(), stop: make(chan struct{}), done: make(chan struct{}), written: make(chan struct{})}
	if err := e.restore(); err != nil {
		e.Client.Close()
		m.Close()
		unlock(lock)
		return nil, err
	}
	e.lastCount = m.CommandCount()
	if readOnly {
		close(e.done)
		return e, nil
	}
	go e.loop()
	return e, nil
}

func (e *Embedded) loop() {
	defer close(e.done)
	t := time.NewTicker(snapshotEvery)
	defer t.Stop()
	for {
		select {
		case <-e.stop:
			return
		case now := <-t.C:
			e.advanceTTLs(now)
			if err := e.snapshotIfChanged(); err != nil {
				e.log.Error("embedded redis snapshot failed", "err", err)
			}
		}
	}
}

// advanceTTLs counts TTLs down by the wall-clock time since the last call,
// expiring keys whose time is up.
func (e *Embedded) advanceTTLs(now time.Time) {
	if d := now.Sub(e.lastTick); d > 0 {
		e.Mini.FastForward(d)
	}
	e.lastTick = now
}

func (e *Embedded) snapshotIfChanged() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := e.Mini.CommandCount()
	if n == e.lastCount {
		return nil
	}
	if err := e.writeSnapshot(); err != nil {
		return err
	}
	e.lastCount = e.Mini.CommandCount()
	return nil
}

// Snapshot writes the snapshot now.
func (e *Embedded) Snapshot() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.writeSnapshot()
}

// Sync returns once everything written before the call is in the snapshot on
// disk: a message is acknowledged to WeCom, or a reply marked as being sent,
// only when a crash can no longer lose the record. Concurrent callers share
// writes: a caller returns as soon as any write that began after its own
// writes is on disk, so the gap between a reply's "sending" mark reaching
// disk and the send itself stays one write long under load.
func (e *Embedded) Sync(ctx context.Context) error {
	if e.readOnly {
		return nil
	}
	e.durMu.Lock()
	want := e.dumps + 1 // the first dump begun from now on
	e.durMu.Unlock()
	for {
		e.durMu.Lock()
		covered, next := e.durable >= want, e.written
		e.durMu.Unlock()
		if covered {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if e.mu.TryLock() {
			err := e.writeSnapshot()
			e.mu.Unlock()
			if err != nil {
				return err
			}
			continue
		}
		select { // a write is in progress: wait for it, then look again
		case <-next:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Close stops the snapshot loop, writes a final snapshot and stops the server.
func (e *Embedded) Close() error {
	close(e.stop)
	<-e.done
	var err error
	if !e.readOnly {
		err = e.Snapshot()
	}
	e.Client.Close()
	e.Mini.Close()
	unlock(e.lock)
	return err
}

func (e *Embedded) writeSnapshot() error {
	e.durMu.Lock()
	e.dumps++
	n := e.dumps
	e.durMu.Unlock()
	snap, err := dumpAll(context.Background(), e.Mini, e.Client)
	if err != nil {
		return err
	}
	data, err := json.Marshal(snap)
	if err != nil {
		return err
	}
	tmp := e.path + ".tmp"
	err = os.WriteFile(tmp, data, 0o600)
	if err == nil {
		err = os.Rename(tmp, e.path) // atomic: a crash leaves the old or the new snapshot
	}
	e.durMu.Lock()
	if err == nil {
		e.durable = n
	}
	close(e.written) // waiters look again (and write themselves after a failure)
	e.written = make(chan struct{})
	e.durMu.Unlock()
	if err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	return nil
}

func (e *Embedded) restore() error {
	data, err := os.ReadFile(e.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read snapshot: %w", err)
	}
	var snap snapshot
	if err := json.Unmarshal(data, &snap); err != nil {
		return fmt.Errorf("snapshot %s is corrupt (move it away to start empty): %w", e.path, err)
	}
	// Time passed while no process ran counts against the TTLs too.
	return loadAll(context.Background(), e.Mini, e.Client, &snap, time.Since(snap.Saved))
}
