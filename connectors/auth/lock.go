package auth

import "context"

// renewLock is a mutex that a waiter can give up on when its context ends.
// It is held while logging in or refreshing, so that concurrent requests
// never re-authenticate twice at the same time.
type renewLock chan struct{}

func newRenewLock() renewLock { return make(renewLock, 1) }

func (l renewLock) lock(ctx context.Context) error {
	select {
	case l <- struct{}{}:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func (l renewLock) unlock() { <-l }
