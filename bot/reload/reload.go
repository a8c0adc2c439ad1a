// Package reload runs the "reload on file change or SIGHUP" loop shared by the
// knowledge base and the projects registry.
package reload

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Watch calls reload("SIGHUP") when the process gets SIGHUP, and
// reload("file changed") when changed() reports true on a poll every interval
// (default 2 s), until ctx ends. Run it in a goroutine.
func Watch(ctx context.Context, interval time.Duration, changed func() bool, reload func(why string)) {
	if interval <= 0 {
		interval = 2 * time.Second
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			reload("SIGHUP")
		case <-t.C:
			if changed() {
				reload("file changed")
			}
		}
	}
}
