package store

import (
	"context"
	"strings"
	"testing"
)

// TestPing: a store that answers pings; a closed one fails, naming its
// database and never its URL.
func TestPing(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		s := openStore(t, url)
		ctx := context.Background()
		if err := s.Ping(ctx); err != nil {
			t.Fatalf("Ping of an open store: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		err := s.Ping(ctx)
		if err == nil || !strings.Contains(err.Error(), "pinging the "+s.Dialect()+" database") {
			t.Fatalf("Ping of a closed store: %v", err)
		}
		if strings.Contains(err.Error(), url) {
			t.Errorf("the error quotes the database URL: %v", err)
		}
	})
}
