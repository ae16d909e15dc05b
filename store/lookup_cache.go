package store

import (
	"sync"
	"sync/atomic"
	"time"
)

// Every inbound event authenticates its API key, finds the definitions
// its trigger starts, and finds the subscriptions it and its runs' ends go
// to: four queries for answers that change only when an operator changes
// keys, definitions or subscriptions. The store keeps those answers for
// lookupTTL (docs/benchmarks.md, "Junction's own cost"):
//
//   - A write through this Store (a definition saved or deleted, a
//     subscription changed or disabled, a key revoked) is seen by the next
//     lookup: each kind of answer has a generation, which the write bumps
//     once it has committed, and an answer kept under an older generation
//     is not used.
//   - A write through another process (a second gateway, the worker
//     disabling a subscription, `junction admin keys revoke`) is seen
//     within lookupTTL.
//   - Only answers are kept, never failures: a key that does not
//     authenticate is asked again each time, so a key created elsewhere
//     works at once.

// lookupTTL is how long a kept answer is used.
const lookupTTL = time.Second

// maxLookupEntries bounds the answers kept; past it they are all dropped.
const maxLookupEntries = 4096

// lookupKind names what an answer is of; each kind has its own
// generation.
type lookupKind int

const (
	lookupDefinitions lookupKind = iota
	lookupSubscriptions
	lookupAPIKeys
	lookupKinds
)

// lookupKey identifies one answer: its kind and the lookup's arguments.
type lookupKey struct {
	kind    lookupKind
	a, b, c string
}

type lookupEntry struct {
	generation uint64
	at         time.Time
	value      any
}

// lookupCache is the kept answers. The zero value is empty and ready.
type lookupCache struct {
	generations [lookupKinds]atomic.Uint64
	mu          sync.Mutex
	entries     map[lookupKey]lookupEntry
}

// changed makes every kept answer of kind stale. Writes call it once they
// have committed: a lookup that read the old rows before the commit keeps
// its answer under the old generation, which is then no longer used.
func (c *lookupCache) changed(kind lookupKind) {
	c.generations[kind].Add(1)
}

// cached answers a lookup from the cache when it holds a fresh answer of
// the current generation, and otherwise with load, whose answer it keeps.
// Callers must not modify what it returns.
func cached[T any](s *Store, key lookupKey, load func() (T, error)) (T, error) {
	return cachedWhile(s, key, load, nil)
}

// cachedWhile is cached that also loads again when usable (if not nil)
// says a kept answer no longer is at now.
func cachedWhile[T any](s *Store, key lookupKey, load func() (T, error), usable func(v T, now time.Time) bool) (T, error) {
	c := &s.lookups
	now := s.now()
	generation := c.generations[key.kind].Load() // before load reads the rows
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && e.generation == generation && now.Sub(e.at) < lookupTTL && !now.Before(e.at) &&
		(usable == nil || usable(e.value.(T), now)) {
		return e.value.(T), nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.entries == nil || len(c.entries) >= maxLookupEntries {
		c.entries = map[lookupKey]lookupEntry{}
	}
	c.entries[key] = lookupEntry{generation: generation, at: now, value: v}
	c.mu.Unlock()
	return v, nil
}
