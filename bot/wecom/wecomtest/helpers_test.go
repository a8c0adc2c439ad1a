package wecomtest_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// newStatusServer answers every request with status and counts calls.
func newStatusServer(t *testing.T, status int, calls *int) string {
	t.Helper()
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		*calls++
		mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
