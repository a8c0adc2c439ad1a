package registry

import (
	"context"
	"os"
	"time"

	"deliverybot/bot/reload"
)

// Watch reloads the file when its size or mtime changes (polled every interval) or
// when the process gets SIGHUP, until ctx ends. A broken edit is logged and the
// previous data stays in service. Run it in a goroutine.
func (r *Registry) Watch(ctx context.Context, interval time.Duration) {
	if r.path == "" {
		return
	}
	reload.Watch(ctx, interval, func() bool {
		r.mu.RLock()
		last := r.stamp
		r.mu.RUnlock()
		return fileStamp(r.path) != last
	}, r.reloadLogged)
}

func (r *Registry) reloadLogged(why string) {
	if err := r.Reload(); err != nil {
		r.log.Error("projects reload failed, keeping the previous data", "path", r.path, "why", why, "err", err)
		return
	}
	d := r.Base()
	r.log.Info("projects reloaded", "path", r.path, "why", why, "projects", len(d.Projects), "users", len(d.Users))
}

type stamp struct {
	size int64
	mod  time.Time
}

func fileStamp(path string) stamp {
	fi, err := os.Stat(path)
	if err != nil {
		return stamp{}
	}
	return stamp{fi.Size(), fi.ModTime()}
}
