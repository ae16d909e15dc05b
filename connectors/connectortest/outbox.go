package connectortest

import "sync"

// Outbox keeps the messages a fake third party was sent, oldest first, for
// its handler to add to while the test reads them. A fake embeds it, which
// gives the fake its Messages method (and Add, Keep and Find, for tests
// that plant a message).
type Outbox[T any] struct {
	mu       sync.Mutex
	messages []T
}

// Messages returns the messages sent so far, oldest first.
func (o *Outbox[T]) Messages() []T {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]T(nil), o.messages...)
}

// Keep keeps m as the latest message sent.
func (o *Outbox[T]) Keep(m T) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.messages = append(o.messages, m)
}

// Add keeps the message next makes from the messages sent before it (to
// number it, or to find the one it answers) and returns it. When next
// returns an error, nothing is kept. The outbox is locked while next runs,
// so two messages never get the same number.
func (o *Outbox[T]) Add(next func(sent []T) (T, error)) (T, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	m, err := next(o.messages)
	if err != nil {
		return m, err
	}
	o.messages = append(o.messages, m)
	return m, nil
}

// Find returns the first message sent that match accepts.
func (o *Outbox[T]) Find(match func(T) bool) (T, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, m := range o.messages {
		if match(m) {
			return m, true
		}
	}
	var zero T
	return zero, false
}
