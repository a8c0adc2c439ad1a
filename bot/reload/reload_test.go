package reload

import (
	"context"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestWatchReloadsOnChangeAndSIGHUP(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var whys []string
	changed := make(chan bool, 1)
	changed <- true
	done := make(chan struct{})
	go func() {
		defer close(done)
		Watch(ctx, 5*time.Millisecond, func() bool {
			select {
			case c := <-changed:
				return c
			default:
				return false
			}
		}, func(why string) {
			mu.Lock()
			whys = append(whys, why)
			mu.Unlock()
		})
	}()
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(whys) == 1 })
	time.Sleep(20 * time.Millisecond) // signal.Notify is set up by now
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(whys) == 2 })
	cancel()
	<-done
	if whys[0] != "file changed" || whys[1] != "SIGHUP" {
		t.Fatalf("reloads = %v", whys)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(2 * time.Millisecond)
	}
}
