package vaultx

import (
	"maps"
	"sync"
	"time"
)

// cache keeps recent reads per path. A read that was in flight while this
// client wrote or deleted anything is not stored, so a client never serves
// a value older than its own last write.
type cache struct {
	ttl time.Duration // <= 0: disabled
	now func() time.Time

	mu      sync.Mutex
	gen     uint64 // bumped by every invalidation
	entries map[string]cached
	puts    int // since the last sweep
}

type cached struct {
	entry   Entry
	expires time.Time
}

// sweepEvery is how many insertions pass between sweeps of expired entries,
// which bounds the memory of paths read once and never again.
const sweepEvery = 256

func newCache(ttl time.Duration) *cache {
	return &cache{ttl: ttl, now: time.Now, entries: map[string]cached{}}
}

// get returns a copy of a fresh entry.
func (c *cache) get(path string) (Entry, bool) {
	if c.ttl <= 0 {
		return Entry{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[path]
	if !ok {
		return Entry{}, false
	}
	if !c.now().Before(e.expires) {
		delete(c.entries, path)
		return Entry{}, false
	}
	return e.entry.clone(), true
}

// generation is read before a fetch and passed to put afterwards.
func (c *cache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put stores a copy of e unless an invalidation happened since gen.
func (c *cache) put(path string, e Entry, gen uint64) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	now := c.now()
	if c.puts++; c.puts >= sweepEvery {
		c.puts = 0
		for p, x := range c.entries {
			if !now.Before(x.expires) {
				delete(c.entries, p)
			}
		}
	}
	c.entries[path] = cached{entry: e.clone(), expires: now.Add(c.ttl)}
}

// invalidate forgets path and makes reads in flight not store their result.
func (c *cache) invalidate(path string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.entries, path)
}

func (e Entry) clone() Entry {
	return Entry{Data: maps.Clone(e.Data), Version: e.Version}
}
