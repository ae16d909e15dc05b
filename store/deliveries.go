package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// Delivery is one message to one subscription, durable from the moment the event is accepted.
type Delivery struct {
	AccountID      string
	ID             string // given by the caller (derived from subscription and message), 1-128 chars of [A-Za-z0-9._~-]
	SubscriptionID string
	MessageID      string // sent as webhook-id; the same on every attempt and every redelivery
	EventType      string
	EventID        string
	// Payload is the event as JSON (what is rendered into the request); at most 2 MiB.
	Payload []byte
	Status  string
	// Generation counts redeliveries: 0 for the event's own delivery, n for the n-th redelivery.
	Generation     int
	Attempts       int       // attempts made, all generations
	NextAttemptAt  time.Time // zero when none is planned
	LastStatusCode int       // 0 when none
	CreatedAt      time.Time // set by the store (UTC)
	UpdatedAt      time.Time // set by the store (UTC) on every change
}

// DeliveryAttempt is one request sent for a delivery and what came back.
type DeliveryAttempt struct {
	N          int // 1-based over the delivery's life, across generations
	Generation int
	At         time.Time
	StatusCode int // 0: no answer
	DurationMs int64
	Error      string
	// ResponseHeaders and ResponseBody are the answer as recorded (the caller caps and scrubs them).
	ResponseHeaders map[string]string
	ResponseBody    string
}

// DeliveryFilter selects a subscription's deliveries.
type DeliveryFilter struct {
	Status string    // "" any
	Since  time.Time // created at or after; zero: no bound
	Until  time.Time // created before; zero: no bound
}

// deliveryColumns is what scanDelivery reads.
const deliveryColumns = `account_id, id, subscription_id, message_id, event_type, event_id, payload, status,
	generation, attempts, next_attempt_at, last_status_code, created_at, updated_at`

// attemptColumns is what scanAttempt reads.
const attemptColumns = `n, generation, attempted_at, status_code, duration_ms, error, response_headers, response_body`

// Limits on deliveries: an event is at most a large API payload, and an attempt keeps only enough
// of the answer to tell what went wrong.
const (
	maxDeliveryPayloadLen = 2 << 20
	maxEventIDLen         = 256      // bytes
	maxAttemptTextLen     = 64 << 10 // the error, the headers as JSON, and the body, each
)

// validDeliveryStatus reports whether status is one of the Delivery statuses.
func validDeliveryStatus(status string) bool {
	return status == DeliveryPending || status == DeliveryDelivered || status == DeliveryFailed
}

// validDeliveryID reports whether id is 1 to 128 characters of [A-Za-z0-9._~-]: URL-safe
// (unreserved in RFC 3986), so it appears unescaped in paths and Temporal workflow IDs.
func validDeliveryID(id string) bool {
	if id == "" || len(id) > maxIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '~' || c == '-') {
			return false
		}
	}
	return true
}

// validate checks what EnqueueDelivery stores of d.
func (d Delivery) validate() error {
	if err := validateID("account", d.AccountID); err != nil {
		return err
	}
	if !validDeliveryID(d.ID) {
		return fmt.Errorf("delivery ID %q: must be 1 to %d characters of [A-Za-z0-9._~-]: %w", d.ID, maxIDLen, ErrInvalid)
	}
	if d.SubscriptionID == "" || !storable(d.SubscriptionID) {
		return fmt.Errorf("delivery %s: the subscription ID must be non-empty valid UTF-8 without NUL bytes: %w", d.ID, ErrInvalid)
	}
	if d.MessageID == "" || len(d.MessageID) > maxIDLen || !storable(d.MessageID) {
		return fmt.Errorf("delivery %s: the message ID must be 1 to %d bytes of valid UTF-8 without NUL bytes: %w", d.ID, maxIDLen, ErrInvalid)
	}
	if err := validateEventType(d.EventType); err != nil {
		return fmt.Errorf("delivery %s: %w", d.ID, err)
	}
	if len(d.EventID) > maxEventIDLen || !storable(d.EventID) {
		return fmt.Errorf("delivery %s: the event ID must be at most %d bytes of valid UTF-8 without NUL bytes: %w", d.ID, maxEventIDLen, ErrInvalid)
	}
	// JSON is checked before storable: json.Valid accepts invalid UTF-8 inside strings, which
	// PostgreSQL's TEXT does not.
	if len(d.Payload) > maxDeliveryPayloadLen || !json.Valid(d.Payload) || !storable(string(d.Payload)) {
		return fmt.Errorf("delivery %s: the payload must be valid JSON in UTF-8, at most %d bytes: %w", d.ID, maxDeliveryPayloadLen, ErrInvalid)
	}
	return nil
}

// EnqueueDelivery stores d (Status pending, Generation 0) unless the account already has a delivery with
// d.ID, in which case it returns the stored one and created=false: this is what makes a redelivered event
// enqueue nothing twice. The subscription must exist (ErrNotFound).
//
// Of d, the store keeps the IDs, the event and NextAttemptAt (zero: none planned yet); Status,
// Generation, Attempts, LastStatusCode and the times are its own. A bad ID or event, or a payload
// that is not JSON or is over 2 MiB, is ErrInvalid.
func (s *Store) EnqueueDelivery(ctx context.Context, d Delivery) (stored Delivery, created bool, err error) {
	if err := d.validate(); err != nil {
		return Delivery{}, false, err
	}
	d.Payload = bytes.Clone(d.Payload)
	d.Status, d.Generation, d.Attempts, d.LastStatusCode = DeliveryPending, 0, 0, 0
	d.NextAttemptAt = d.NextAttemptAt.UTC()
	d.CreatedAt = s.now().UTC()
	d.UpdatedAt = d.CreatedAt
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.subscriptionExists(ctx, tx, d.AccountID, d.SubscriptionID); err != nil {
			return err
		}
		// ON CONFLICT, not a read first: two enqueues of one event racing on PostgreSQL both end
		// here, and the second waits for the first and then inserts nothing.
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO deliveries (`+deliveryColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (account_id, id) DO NOTHING`),
			d.AccountID, d.ID, d.SubscriptionID, d.MessageID, d.EventType, d.EventID, string(d.Payload), d.Status,
			d.Generation, d.Attempts, nullTime(d.NextAttemptAt), d.LastStatusCode,
			formatTime(d.CreatedAt), formatTime(d.UpdatedAt))
		if isForeignKeyViolation(err) {
			// Deleted by another transaction since the check above.
			return fmt.Errorf("subscription %s: %w", d.SubscriptionID, ErrNotFound)
		}
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 1 {
			stored, created = d, true
			return nil
		}
		stored, err = scanDelivery(tx.QueryRowContext(ctx, s.q(`SELECT `+deliveryColumns+` FROM deliveries
			WHERE account_id = ? AND id = ?`), d.AccountID, d.ID))
		return err
	})
	if err != nil {
		return Delivery{}, false, fmt.Errorf("enqueueing delivery %s to subscription %s: %w", d.ID, d.SubscriptionID, err)
	}
	return stored, created, nil
}

// Delivery returns a delivery of the account, or ErrNotFound (also when it belongs to another
// account).
func (s *Store) Delivery(ctx context.Context, accountID, id string) (Delivery, error) {
	d, err := scanDelivery(s.rdb.QueryRowContext(ctx, s.q(`SELECT `+deliveryColumns+` FROM deliveries
		WHERE account_id = ? AND id = ?`), accountID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Delivery{}, fmt.Errorf("delivery %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Delivery{}, fmt.Errorf("reading delivery %s: %w", id, err)
	}
	return d, nil
}

// ListDeliveries returns the deliveries to one subscription of the account that f selects, newest
// first (created_at desc, id desc); an empty slice when there are none. A status that is not one
// of the Delivery statuses is ErrInvalid.
func (s *Store) ListDeliveries(ctx context.Context, accountID, subscriptionID string, f DeliveryFilter, page Page) ([]Delivery, error) {
	limit, offset, err := page.bounds()
	if err != nil {
		return nil, err
	}
	query, args := `SELECT `+deliveryColumns+` FROM deliveries WHERE account_id = ? AND subscription_id = ?`, []any{accountID, subscriptionID}
	if f.Status != "" {
		if !validDeliveryStatus(f.Status) {
			return nil, fmt.Errorf("delivery status %q: want %q, %q or %q: %w", f.Status, DeliveryPending, DeliveryDelivered, DeliveryFailed, ErrInvalid)
		}
		query += ` AND status = ?`
		args = append(args, f.Status)
	}
	// Stored times sort as text, so the bounds compare as text too.
	if !f.Since.IsZero() {
		query += ` AND created_at >= ?`
		args = append(args, formatTime(f.Since))
	}
	if !f.Until.IsZero() {
		query += ` AND created_at < ?`
		args = append(args, formatTime(f.Until))
	}
	query += ` ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`
	rows, err := s.rdb.QueryContext(ctx, s.q(query), append(args, limit, offset)...)
	if err != nil {
		return nil, fmt.Errorf("listing deliveries to subscription %s: %w", subscriptionID, err)
	}
	ds, err := scanAll(rows, scanDelivery)
	if err != nil {
		return nil, fmt.Errorf("listing deliveries to subscription %s: %w", subscriptionID, err)
	}
	return ds, nil
}

// DeliveryAttempts returns the attempts of a delivery of the account in N order: an empty slice
// when none was made yet, ErrNotFound when the account has no such delivery.
func (s *Store) DeliveryAttempts(ctx context.Context, accountID, deliveryID string) ([]DeliveryAttempt, error) {
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT `+attemptColumns+` FROM delivery_attempts
		WHERE account_id = ? AND delivery_id = ? ORDER BY n`), accountID, deliveryID)
	if err != nil {
		return nil, fmt.Errorf("reading attempts of delivery %s: %w", deliveryID, err)
	}
	as, err := scanAll(rows, scanAttempt)
	if err != nil {
		return nil, fmt.Errorf("reading attempts of delivery %s: %w", deliveryID, err)
	}
	if len(as) == 0 {
		// No attempts, or no delivery: say which.
		var n int
		if err := s.rdb.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM deliveries WHERE account_id = ? AND id = ?`),
			accountID, deliveryID).Scan(&n); err != nil {
			return nil, fmt.Errorf("reading attempts of delivery %s: %w", deliveryID, err)
		}
		if n == 0 {
			return nil, fmt.Errorf("delivery %s: %w", deliveryID, ErrNotFound)
		}
	}
	return as, nil
}

// validate checks what RecordAttempt stores of a.
func (a DeliveryAttempt) validate() error {
	if a.StatusCode != 0 && (a.StatusCode < 100 || a.StatusCode > 599) {
		return fmt.Errorf("status code %d: want 0 (no answer) or 100 to 599: %w", a.StatusCode, ErrInvalid)
	}
	if a.DurationMs < 0 {
		return fmt.Errorf("duration %d ms: must not be negative: %w", a.DurationMs, ErrInvalid)
	}
	// None of it is quoted: an answer may carry a customer's data.
	for what, v := range map[string]string{"error": a.Error, "response body": a.ResponseBody} {
		if !storable(v) || len(v) > maxAttemptTextLen {
			return fmt.Errorf("the %s must be valid UTF-8 without NUL bytes, at most %d bytes: %w", what, maxAttemptTextLen, ErrInvalid)
		}
	}
	for k, v := range a.ResponseHeaders {
		if k == "" || !storable(k) || !storable(v) {
			return fmt.Errorf("every response header must have a name, and both be valid UTF-8 without NUL bytes: %w", ErrInvalid)
		}
	}
	return nil
}

// RecordAttempt appends attempt (its N is assigned: previous max + 1, returned in the result) and sets the
// delivery's Status, NextAttemptAt (zero clears) and LastStatusCode, Attempts+1, UpdatedAt, in one transaction.
// Response bodies longer than 64 KiB are ErrInvalid (callers cap them).
//
// The attempt's Generation is the delivery's current one, whatever attempt says; an attempt with
// a zero At was made now. A delivery the account does not have is ErrNotFound.
func (s *Store) RecordAttempt(ctx context.Context, accountID, deliveryID string, attempt DeliveryAttempt, status string, nextAttemptAt time.Time) (DeliveryAttempt, error) {
	if !validDeliveryStatus(status) {
		return DeliveryAttempt{}, fmt.Errorf("recording an attempt of delivery %s: status %q: want %q, %q or %q: %w",
			deliveryID, status, DeliveryPending, DeliveryDelivered, DeliveryFailed, ErrInvalid)
	}
	if err := attempt.validate(); err != nil {
		return DeliveryAttempt{}, fmt.Errorf("recording an attempt of delivery %s: %w", deliveryID, err)
	}
	if attempt.ResponseHeaders == nil {
		attempt.ResponseHeaders = map[string]string{}
	}
	headers, err := json.Marshal(attempt.ResponseHeaders)
	if err != nil {
		return DeliveryAttempt{}, fmt.Errorf("recording an attempt of delivery %s: encoding headers: %w", deliveryID, err)
	}
	if len(headers) > maxAttemptTextLen {
		return DeliveryAttempt{}, fmt.Errorf("recording an attempt of delivery %s: the response headers are longer than %d bytes: %w", deliveryID, maxAttemptTextLen, ErrInvalid)
	}
	now := s.now().UTC()
	if attempt.At.IsZero() {
		attempt.At = now
	}
	attempt.At = attempt.At.UTC()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		// Updating the delivery first takes its row lock, so concurrent recorders of one delivery
		// queue here and each sees the attempts the others wrote when it numbers its own.
		err := tx.QueryRowContext(ctx, s.q(`UPDATE deliveries
			SET status = ?, next_attempt_at = ?, last_status_code = ?, attempts = attempts + 1, updated_at = ?
			WHERE account_id = ? AND id = ?
			RETURNING generation`),
			status, nullTime(nextAttemptAt), attempt.StatusCode, formatTime(now), accountID, deliveryID).Scan(&attempt.Generation)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COALESCE(MAX(n), 0) + 1 FROM delivery_attempts
			WHERE account_id = ? AND delivery_id = ?`), accountID, deliveryID).Scan(&attempt.N); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO delivery_attempts (account_id, delivery_id, `+attemptColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			accountID, deliveryID, attempt.N, attempt.Generation, formatTime(attempt.At), attempt.StatusCode,
			attempt.DurationMs, attempt.Error, string(headers), attempt.ResponseBody)
		return err
	})
	if err != nil {
		return DeliveryAttempt{}, fmt.Errorf("recording an attempt of delivery %s: %w", deliveryID, err)
	}
	return attempt, nil
}

// SetDeliveryStatus sets Status and NextAttemptAt without an attempt (a delivery given up because its
// subscription was disabled or deleted, say).
//
// A delivery the account does not have is ErrNotFound; a status that is not one of the Delivery
// statuses is ErrInvalid.
func (s *Store) SetDeliveryStatus(ctx context.Context, accountID, deliveryID, status string, nextAttemptAt time.Time) error {
	if !validDeliveryStatus(status) {
		return fmt.Errorf("setting the status of delivery %s: status %q: want %q, %q or %q: %w",
			deliveryID, status, DeliveryPending, DeliveryDelivered, DeliveryFailed, ErrInvalid)
	}
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE deliveries SET status = ?, next_attempt_at = ?, updated_at = ?
		WHERE account_id = ? AND id = ?`), status, nullTime(nextAttemptAt), formatTime(s.now()), accountID, deliveryID)
	if err := affectedOne(res, err); err != nil {
		return fmt.Errorf("setting the status of delivery %s: %w", deliveryID, err)
	}
	return nil
}

// Redeliver starts the next generation: Generation+1, Status pending, NextAttemptAt now; returns the delivery as
// stored. ErrConflict when the delivery is pending (a delivery still being tried is not sent again alongside itself).
//
// Attempts and LastStatusCode carry on from the generation before. A delivery the account does not
// have is ErrNotFound.
func (s *Store) Redeliver(ctx context.Context, accountID, deliveryID string) (Delivery, error) {
	now := formatTime(s.now())
	var d Delivery
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		// The status check and the write are one statement, so of two redeliveries racing only
		// the first starts a generation.
		d, err = scanDelivery(tx.QueryRowContext(ctx, s.q(`UPDATE deliveries
			SET generation = generation + 1, status = ?, next_attempt_at = ?, updated_at = ?
			WHERE account_id = ? AND id = ? AND status <> ?
			RETURNING `+deliveryColumns), DeliveryPending, now, now, accountID, deliveryID, DeliveryPending))
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM deliveries WHERE account_id = ? AND id = ?`),
			accountID, deliveryID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		return fmt.Errorf("it is pending: %w", ErrConflict)
	})
	if err != nil {
		return Delivery{}, fmt.Errorf("redelivering delivery %s: %w", deliveryID, err)
	}
	return d, nil
}

func scanDelivery(row scanner) (Delivery, error) {
	var (
		d                         Delivery
		payload, created, updated string
		next                      sql.NullString
		err                       error
	)
	if err = row.Scan(&d.AccountID, &d.ID, &d.SubscriptionID, &d.MessageID, &d.EventType, &d.EventID, &payload,
		&d.Status, &d.Generation, &d.Attempts, &next, &d.LastStatusCode, &created, &updated); err != nil {
		return Delivery{}, err
	}
	d.Payload = []byte(payload)
	if d.NextAttemptAt, err = parseOptionalTime(next); err != nil {
		return Delivery{}, err
	}
	if d.CreatedAt, err = parseTime(created); err != nil {
		return Delivery{}, err
	}
	if d.UpdatedAt, err = parseTime(updated); err != nil {
		return Delivery{}, err
	}
	return d, nil
}

func scanAttempt(row scanner) (DeliveryAttempt, error) {
	var (
		a           DeliveryAttempt
		at, headers string
		err         error
	)
	if err = row.Scan(&a.N, &a.Generation, &at, &a.StatusCode, &a.DurationMs, &a.Error, &headers, &a.ResponseBody); err != nil {
		return DeliveryAttempt{}, err
	}
	if err = json.Unmarshal([]byte(headers), &a.ResponseHeaders); err != nil {
		return DeliveryAttempt{}, fmt.Errorf("attempt %d: stored response headers: %w", a.N, err)
	}
	if a.ResponseHeaders == nil {
		a.ResponseHeaders = map[string]string{}
	}
	if a.At, err = parseTime(at); err != nil {
		return DeliveryAttempt{}, err
	}
	return a, nil
}
