package store

import (
	"context"
	"fmt"
)

// Ping checks that the database answers, for a readiness probe. It asks
// the read pool: with SQLite the writer is one connection, which a long
// write holds, and a busy writer is no reason to take the process out of
// service.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.PingContext(ctx); err != nil {
		return fmt.Errorf("pinging the %s database: %w", s.dialect, err)
	}
	return nil
}
