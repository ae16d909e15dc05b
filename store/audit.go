package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// AuditEvent is one management action in an account's audit log: who made it, with which API key,
// what it did to which resource, and when. The writer (package gateway) keeps secrets out of
// Changes; the store keeps the event as it is and never changes it.
type AuditEvent struct {
	AccountID string
	// ID is "aud_" and a UUIDv7, set by RecordAudit.
	ID string
	// At is when the event was recorded (set by RecordAudit, UTC).
	At time.Time
	// KeyID is the API key that made the request (its id, never the key); Actor is the key's
	// name at the time, Address the client address the request came from.
	KeyID   string
	Actor   string
	Address string
	// Action says what was done ("connection.update"), to a resource of ResourceType
	// ("connection") whose id is ResourceID ("" when the action names none).
	Action       string
	ResourceType string
	ResourceID   string
	// Changes is what changed, as a JSON object.
	Changes json.RawMessage
}

// AuditFilter selects events of an account's audit log; its zero value selects them all.
type AuditFilter struct {
	Action       string
	ResourceType string
	ResourceID   string
	KeyID        string
	// Since and Until bound At: at or after Since, before Until; zero leaves that end open.
	Since, Until time.Time
}

// Limits on an audit event and on a page of them.
const (
	maxAuditText    = 512     // names, ids, the actor, the address
	maxAuditChanges = 1 << 16 // the changes' JSON; the writer keeps them small
	// DefaultAuditLimit and MaxAuditLimit bound a page of AuditEvents.
	DefaultAuditLimit = 100
	MaxAuditLimit     = 500
)

func (e AuditEvent) validate() error {
	if err := validateID("account", e.AccountID); err != nil {
		return err
	}
	for what, v := range map[string]string{"key id": e.KeyID, "action": e.Action, "resource type": e.ResourceType} {
		if v == "" || len(v) > maxAuditText || !storable(v) {
			return fmt.Errorf("audit event: %s must be 1-%d bytes of UTF-8 without NUL: %w", what, maxAuditText, ErrInvalid)
		}
	}
	for what, v := range map[string]string{"actor": e.Actor, "address": e.Address, "resource id": e.ResourceID} {
		if len(v) > maxAuditText || !storable(v) {
			return fmt.Errorf("audit event: %s must be at most %d bytes of UTF-8 without NUL: %w", what, maxAuditText, ErrInvalid)
		}
	}
	if len(e.Changes) > maxAuditChanges || !storable(string(e.Changes)) || !json.Valid(e.Changes) ||
		!strings.HasPrefix(strings.TrimSpace(string(e.Changes)), "{") {
		return fmt.Errorf("audit event: changes must be a JSON object of at most %d bytes: %w", maxAuditChanges, ErrInvalid)
	}
	return nil
}

const auditColumns = `account_id, id, at, key_id, actor, address, action, resource_type, resource_id, changes`

// RecordAudit appends an event to the audit log of an existing account (ErrNotFound otherwise) and
// returns it with its ID and time. Empty Changes are recorded as {}.
func (s *Store) RecordAudit(ctx context.Context, e AuditEvent) (AuditEvent, error) {
	if len(e.Changes) == 0 {
		e.Changes = json.RawMessage(`{}`)
	}
	if err := e.validate(); err != nil {
		return AuditEvent{}, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return AuditEvent{}, fmt.Errorf("audit event: making its id: %w", err)
	}
	e.ID, e.At = "aud_"+id.String(), s.now().UTC()
	_, err = s.db.ExecContext(ctx, s.q(`INSERT INTO audit_events (`+auditColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		e.AccountID, e.ID, formatTime(e.At), e.KeyID, e.Actor, e.Address, e.Action, e.ResourceType, e.ResourceID, string(e.Changes))
	if isForeignKeyViolation(err) {
		return AuditEvent{}, fmt.Errorf("recording %s of account %s: account: %w", e.Action, e.AccountID, ErrNotFound)
	}
	if err != nil {
		return AuditEvent{}, fmt.Errorf("recording %s of account %s: %w", e.Action, e.AccountID, err)
	}
	return e, nil
}

// AuditEvents returns a page of an account's audit events that pass f, newest first: at most
// limit (0: DefaultAuditLimit; more than MaxAuditLimit is ErrInvalid), from cursor ("" for the
// newest). next is the cursor of the following page, "" after the last. A cursor that is not one
// AuditEvents gave is ErrInvalid.
func (s *Store) AuditEvents(ctx context.Context, accountID string, f AuditFilter, limit int, cursor string) (events []AuditEvent, next string, err error) {
	if limit == 0 {
		limit = DefaultAuditLimit
	}
	if limit < 0 || limit > MaxAuditLimit {
		return nil, "", fmt.Errorf("audit events: limit %d must be 1 to %d: %w", limit, MaxAuditLimit, ErrInvalid)
	}
	query, args := `SELECT `+auditColumns+` FROM audit_events WHERE account_id = ?`, []any{accountID}
	for _, eq := range []struct{ column, value string }{
		{"action", f.Action}, {"resource_type", f.ResourceType}, {"resource_id", f.ResourceID}, {"key_id", f.KeyID},
	} {
		if eq.value != "" {
			query += ` AND ` + eq.column + ` = ?`
			args = append(args, eq.value)
		}
	}
	if !f.Since.IsZero() {
		query += ` AND at >= ?`
		args = append(args, formatTime(f.Since))
	}
	if !f.Until.IsZero() {
		query += ` AND at < ?`
		args = append(args, formatTime(f.Until))
	}
	if cursor != "" {
		at, id, err := parseAuditCursor(cursor)
		if err != nil {
			return nil, "", err
		}
		query += ` AND (at < ? OR (at = ? AND id < ?))`
		args = append(args, at, at, id)
	}
	// One more than the page: whether it exists says whether there is a next page.
	query += ` ORDER BY at DESC, id DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := s.rdb.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, "", fmt.Errorf("reading the audit log of account %s: %w", accountID, err)
	}
	events, err = scanAll(rows, scanAuditEvent)
	if err != nil {
		return nil, "", fmt.Errorf("reading the audit log of account %s: %w", accountID, err)
	}
	if len(events) > limit {
		events = events[:limit]
		last := events[limit-1]
		next = base64.RawURLEncoding.EncodeToString([]byte(formatTime(last.At) + " " + last.ID))
	}
	return events, next, nil
}

// parseAuditCursor reads a cursor AuditEvents gave: the time and id of the last event of a page.
func parseAuditCursor(cursor string) (at, id string, err error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err == nil {
		var ok bool
		at, id, ok = strings.Cut(string(b), " ")
		if _, perr := parseTime(at); !ok || perr != nil || !strings.HasPrefix(id, "aud_") {
			err = fmt.Errorf("malformed")
		}
	}
	if err != nil {
		return "", "", fmt.Errorf("audit events: the cursor is not one this API gave: %w", ErrInvalid)
	}
	return at, id, nil
}

func scanAuditEvent(row scanner) (AuditEvent, error) {
	var (
		e           AuditEvent
		at, changes string
	)
	if err := row.Scan(&e.AccountID, &e.ID, &at, &e.KeyID, &e.Actor, &e.Address, &e.Action, &e.ResourceType, &e.ResourceID,
		&changes); err != nil {
		return AuditEvent{}, err
	}
	e.Changes = json.RawMessage(changes)
	var err error
	if e.At, err = parseTime(at); err != nil {
		return AuditEvent{}, err
	}
	return e, nil
}
