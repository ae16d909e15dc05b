package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// HandledRun is a run that handled a message: "started" for a run the message started, "resumed"
// for one waiting for it, "sent" for the run that sent an outgoing message.
type HandledRun struct {
	DefinitionID       string `json:"definitionId"`
	Version            int    `json:"version"`
	WorkflowID         string `json:"workflowId"`
	TemporalWorkflowID string `json:"temporalWorkflowId"`
	RunID              string `json:"runId,omitempty"`
	How                string `json:"how"` // RunStarted, RunResumed or RunSent
}

// How a run handled a message (HandledRun.How).
const (
	RunStarted = "started"
	RunResumed = "resumed"
	RunSent    = "sent"
)

// ChatUser is someone who writes to an account over one of its channels.
type ChatUser struct {
	AccountID string
	ID        string // the caller's, derived from Key ("usr_..."); see RecordIncoming
	Channel   string
	Key       string // the user's channel address, runs.AwaitKey: "sms:6591234567"
	Tags      map[string]string
	CreatedAt time.Time // set by the store (UTC)
	UpdatedAt time.Time // set by the store (UTC) when the tags change
}

// Conversation is the exchange of messages on one channel key ("conv_...").
type Conversation struct {
	AccountID     string
	ID            string // the caller's, derived from Key
	Channel       string
	Key           string // what the channel says the conversation is: a phone number, a Slack thread
	UserID        string // the user of first contact
	Tags          map[string]string
	CreatedAt     time.Time // set by the store (UTC)
	UpdatedAt     time.Time // set by the store (UTC) when the tags change
	LastMessageAt time.Time // set by the store (UTC); CreatedAt until a message is recorded
	MessageCount  int       // messages recorded, both directions
}

// ChatMessage is one message into or out of a conversation.
type ChatMessage struct {
	AccountID      string
	ID             string // the caller's, derived from the source ("cmsg_...")
	ConversationID string
	UserID         string // who wrote it; "" for outgoing
	Direction      string // DirectionIncoming or DirectionOutgoing
	Type           string // text, markdown, image, file, choice, ...
	Payload        map[string]any
	Tags           map[string]string
	// SourceID makes recording idempotent: the inbound event's id, or for outgoing the sending
	// run's workflow id and step.
	SourceID  string
	Runs      []HandledRun
	CreatedAt time.Time // set by the store (UTC)
	// Seq is the message's place in its conversation, 1, 2, ... in the order recorded; set by the
	// store. Messages are listed in this order, which clocks of several gateways could not give.
	Seq int
}

// Message directions.
const (
	DirectionIncoming = "incoming"
	DirectionOutgoing = "outgoing"
)

// Inbound is one incoming message with the user and conversation it comes from; ids are the
// caller's (derived, so creation is idempotent).
type Inbound struct {
	User         ChatUser
	Conversation Conversation
	Message      ChatMessage
}

// Limits on conversations: tags are for filtering, not storage, and every message and its runs
// are read whole into the API and into runs.
const (
	maxTags            = 32
	maxTagNameLen      = 64  // bytes
	maxTagValueLen     = 256 // bytes
	maxChannelLen      = 64  // bytes
	maxChatKeyLen      = 256 // bytes, a user's or a conversation's key
	maxMessageTypeLen  = 64  // bytes
	maxSourceIDLen     = 512 // bytes: a workflow id and a step
	maxChatPayloadLen  = 64 << 10
	maxHandledRunsLen  = 64 << 10
	maxHandledRunIDLen = 512 // bytes, each id in a HandledRun
)

// chatUserColumns is what scanChatUser reads.
const chatUserColumns = `account_id, id, channel, user_key, tags, created_at, updated_at`

// conversationColumns is what scanConversation reads.
const conversationColumns = `account_id, id, channel, conversation_key, user_id, tags, created_at, updated_at,
	last_message_at, message_count`

// chatMessageColumns is what scanChatMessage reads.
const chatMessageColumns = `account_id, id, conversation_id, user_id, direction, type, payload, tags, source_id,
	runs, created_at, seq`

// validateTags checks tags: at most 32, each named (1 to 64 bytes) with a value of at most 256
// bytes, all storable. what names the tags in the error.
func validateTags(what string, tags map[string]string) error {
	if len(tags) > maxTags {
		return fmt.Errorf("%s has %d tags, more than %d: %w", what, len(tags), maxTags, ErrInvalid)
	}
	for name, value := range tags {
		if name == "" || len(name) > maxTagNameLen || !storable(name) {
			return fmt.Errorf("%s: tag name %q: must be 1 to %d bytes of valid UTF-8 without NUL bytes: %w", what, name, maxTagNameLen, ErrInvalid)
		}
		if len(value) > maxTagValueLen || !storable(value) {
			return fmt.Errorf("%s: tag %s: the value must be at most %d bytes of valid UTF-8 without NUL bytes: %w", what, name, maxTagValueLen, ErrInvalid)
		}
	}
	return nil
}

// validateText checks a required string of at most max bytes that both databases store alike.
func validateText(what, v string, max int) error {
	if v == "" || len(v) > max || !storable(v) {
		return fmt.Errorf("%s %q: must be 1 to %d bytes of valid UTF-8 without NUL bytes: %w", what, v, max, ErrInvalid)
	}
	return nil
}

// encodeTags returns tags as stored: a JSON object, "{}" for none.
func encodeTags(tags map[string]string) string {
	if tags == nil {
		return "{}"
	}
	b, err := json.Marshal(tags)
	if err != nil {
		panic(err) // a map of strings always encodes
	}
	return string(b)
}

// copyTags returns a copy of tags that is never nil, so stored and read values compare equal.
func copyTags(tags map[string]string) map[string]string {
	if tags == nil {
		return map[string]string{}
	}
	return maps.Clone(tags)
}

func (r HandledRun) validate() error {
	if r.How != RunStarted && r.How != RunResumed && r.How != RunSent {
		return fmt.Errorf("handled run %s: how %q: want %q, %q or %q: %w", r.WorkflowID, r.How, RunStarted, RunResumed, RunSent, ErrInvalid)
	}
	if r.Version < 0 {
		return fmt.Errorf("handled run %s: version %d: must not be negative: %w", r.WorkflowID, r.Version, ErrInvalid)
	}
	for _, v := range []string{r.DefinitionID, r.WorkflowID, r.TemporalWorkflowID, r.RunID} {
		if len(v) > maxHandledRunIDLen || !storable(v) {
			return fmt.Errorf("handled run %s: every id must be at most %d bytes of valid UTF-8 without NUL bytes: %w", r.WorkflowID, maxHandledRunIDLen, ErrInvalid)
		}
	}
	return nil
}

// encodeRuns validates runs and returns them as stored: a JSON array, "[]" for none.
func encodeRuns(runs []HandledRun) (string, error) {
	for _, r := range runs {
		if err := r.validate(); err != nil {
			return "", err
		}
	}
	if runs == nil {
		runs = []HandledRun{}
	}
	b, err := json.Marshal(runs)
	if err != nil {
		return "", fmt.Errorf("encoding the handled runs: %w", err)
	}
	if len(b) > maxHandledRunsLen {
		return "", fmt.Errorf("the handled runs are %d bytes encoded, over %d: %w", len(b), maxHandledRunsLen, ErrInvalid)
	}
	return string(b), nil
}

// validate checks what ensureChatUser stores of u.
func (u ChatUser) validate() error {
	if err := validateID("account", u.AccountID); err != nil {
		return err
	}
	if err := validateID("chat user", u.ID); err != nil {
		return err
	}
	if err := validateText("chat user "+u.ID+": channel", u.Channel, maxChannelLen); err != nil {
		return err
	}
	if err := validateText("chat user "+u.ID+": key", u.Key, maxChatKeyLen); err != nil {
		return err
	}
	return validateTags("chat user "+u.ID, u.Tags)
}

// validate checks what ensureConversation stores of c.
func (c Conversation) validate() error {
	if err := validateID("account", c.AccountID); err != nil {
		return err
	}
	if err := validateID("conversation", c.ID); err != nil {
		return err
	}
	if err := validateText("conversation "+c.ID+": channel", c.Channel, maxChannelLen); err != nil {
		return err
	}
	if err := validateText("conversation "+c.ID+": key", c.Key, maxChatKeyLen); err != nil {
		return err
	}
	if err := validateID("chat user", c.UserID); err != nil {
		return fmt.Errorf("conversation %s: %w", c.ID, err)
	}
	return validateTags("conversation "+c.ID, c.Tags)
}

// prepare validates m and returns it as it will be stored, with its payload and runs encoded; the
// payload it returns is decoded from what is stored, so it is what a later read gives.
func (m ChatMessage) prepare() (ChatMessage, string, string, error) {
	if err := validateID("account", m.AccountID); err != nil {
		return ChatMessage{}, "", "", err
	}
	if err := validateID("chat message", m.ID); err != nil {
		return ChatMessage{}, "", "", err
	}
	if err := validateID("conversation", m.ConversationID); err != nil {
		return ChatMessage{}, "", "", fmt.Errorf("chat message %s: %w", m.ID, err)
	}
	switch m.Direction {
	case DirectionIncoming:
		if err := validateID("chat user", m.UserID); err != nil {
			return ChatMessage{}, "", "", fmt.Errorf("chat message %s: %w", m.ID, err)
		}
	case DirectionOutgoing:
		if m.UserID != "" {
			return ChatMessage{}, "", "", fmt.Errorf("chat message %s: an outgoing message has no user, got %q: %w", m.ID, m.UserID, ErrInvalid)
		}
	default:
		return ChatMessage{}, "", "", fmt.Errorf("chat message %s: direction %q: want %q or %q: %w", m.ID, m.Direction, DirectionIncoming, DirectionOutgoing, ErrInvalid)
	}
	if err := validateText("chat message "+m.ID+": type", m.Type, maxMessageTypeLen); err != nil {
		return ChatMessage{}, "", "", err
	}
	if err := validateText("chat message "+m.ID+": source ID", m.SourceID, maxSourceIDLen); err != nil {
		return ChatMessage{}, "", "", err
	}
	if err := validateTags("chat message "+m.ID, m.Tags); err != nil {
		return ChatMessage{}, "", "", err
	}
	payload := m.Payload
	if payload == nil {
		payload = map[string]any{}
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return ChatMessage{}, "", "", fmt.Errorf("chat message %s: encoding the payload: %v: %w", m.ID, err, ErrInvalid)
	}
	// Not quoted: a payload is a customer's data.
	if len(b) > maxChatPayloadLen || !storable(string(b)) {
		return ChatMessage{}, "", "", fmt.Errorf("chat message %s: the payload must be at most %d bytes encoded, valid UTF-8 without NUL bytes: %w", m.ID, maxChatPayloadLen, ErrInvalid)
	}
	m.Payload = map[string]any{}
	if err := json.Unmarshal(b, &m.Payload); err != nil {
		return ChatMessage{}, "", "", fmt.Errorf("chat message %s: decoding the payload: %w", m.ID, err)
	}
	runs, err := encodeRuns(m.Runs)
	if err != nil {
		return ChatMessage{}, "", "", fmt.Errorf("chat message %s: %w", m.ID, err)
	}
	m.Runs = slices.Clone(m.Runs)
	if m.Runs == nil {
		m.Runs = []HandledRun{}
	}
	m.Tags = copyTags(m.Tags)
	return m, string(b), runs, nil
}

// sameOrEmpty returns want when got is empty or equal to it, and ErrInvalid otherwise: the parts of
// an Inbound repeat each other's ids and may leave them out.
func sameOrEmpty(what, want, got string) (string, error) {
	if got != "" && got != want {
		return "", fmt.Errorf("%s %q differs from %q: %w", what, got, want, ErrInvalid)
	}
	return want, nil
}

// normalize fills in the ids the parts of in leave out and checks that they agree.
func (in Inbound) normalize() (Inbound, error) {
	var err error
	account := cmp.Or(in.Message.AccountID, in.Conversation.AccountID, in.User.AccountID)
	if in.User.AccountID, err = sameOrEmpty("the user's account", account, in.User.AccountID); err != nil {
		return Inbound{}, err
	}
	if in.Conversation.AccountID, err = sameOrEmpty("the conversation's account", account, in.Conversation.AccountID); err != nil {
		return Inbound{}, err
	}
	if in.Message.AccountID, err = sameOrEmpty("the message's account", account, in.Message.AccountID); err != nil {
		return Inbound{}, err
	}
	if in.Conversation.Channel == "" {
		in.Conversation.Channel = in.User.Channel
	}
	if in.Conversation.UserID, err = sameOrEmpty("the conversation's user", in.User.ID, in.Conversation.UserID); err != nil {
		return Inbound{}, err
	}
	if in.Message.UserID, err = sameOrEmpty("the message's user", in.User.ID, in.Message.UserID); err != nil {
		return Inbound{}, err
	}
	if in.Message.ConversationID, err = sameOrEmpty("the message's conversation", in.Conversation.ID, in.Message.ConversationID); err != nil {
		return Inbound{}, err
	}
	if in.Message.Direction, err = sameOrEmpty("the message's direction", DirectionIncoming, in.Message.Direction); err != nil {
		return Inbound{}, err
	}
	return in, nil
}

// forUpdate is what a SELECT inside a transaction ends with to lock the rows it reads until the
// transaction ends: FOR UPDATE on PostgreSQL, nothing on SQLite, where BEGIN IMMEDIATE already
// holds the database's write lock.
func (s *Store) forUpdate() string {
	if s.dialect == DialectPostgres {
		return ` FOR UPDATE`
	}
	return ``
}

// RecordIncoming creates the user and the conversation on first contact (tags merged into existing
// ones on later contact: new names added, changed values updated, none removed), bumps the
// conversation's last_message_at/message_count, and inserts the message — all in one transaction.
// A message whose (conversation, direction, source_id) is already stored is not inserted again and
// not counted again: RecordIncoming returns the stored one and created=false. Returns the message
// as stored.
//
// The parts of in may leave out the ids the others give (the account, the user, the conversation,
// the direction); ids that disagree are ErrInvalid. A user is one per key: when the key is stored
// under another id, that user is the one recorded, and the message's UserID says so; an id stored
// with another key, or a conversation id stored with another channel or key, is ErrConflict. An
// account that does not exist is ErrNotFound; a value the store cannot take is ErrInvalid.
func (s *Store) RecordIncoming(ctx context.Context, in Inbound) (msg ChatMessage, created bool, err error) {
	id := in.Message.ID
	if in, err = in.normalize(); err != nil {
		return ChatMessage{}, false, fmt.Errorf("recording incoming message %s: %w", id, err)
	}
	if err := in.User.validate(); err != nil {
		return ChatMessage{}, false, fmt.Errorf("recording incoming message %s: %w", in.Message.ID, err)
	}
	if err := in.Conversation.validate(); err != nil {
		return ChatMessage{}, false, fmt.Errorf("recording incoming message %s: %w", in.Message.ID, err)
	}
	m, payload, runs, err := in.Message.prepare()
	if err != nil {
		return ChatMessage{}, false, fmt.Errorf("recording incoming message %s: %w", in.Message.ID, err)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.accountExists(ctx, tx, m.AccountID); err != nil {
			return err
		}
		// User before conversation before message, in every transaction, so that on PostgreSQL
		// two of them never each hold a lock the other waits for.
		now := s.now().UTC()
		user, err := s.ensureChatUser(ctx, tx, in.User, now)
		if err != nil {
			return err
		}
		m.UserID = user.ID
		in.Conversation.UserID = user.ID
		if _, err := s.ensureConversation(ctx, tx, in.Conversation, now); err != nil {
			return err
		}
		msg, created, err = s.insertChatMessage(ctx, tx, m, payload, runs)
		return err
	})
	if isForeignKeyViolation(err) {
		// The account was deleted by another transaction since the check above.
		err = fmt.Errorf("account %s: %w", m.AccountID, ErrNotFound)
	}
	if err != nil {
		return ChatMessage{}, false, fmt.Errorf("recording incoming message %s in conversation %s: %w", m.ID, m.ConversationID, err)
	}
	return msg, created, nil
}

// ensureChatUser stores u unless its key is stored, merges u's tags into the stored user's, and
// returns the user as stored, locked until tx ends.
func (s *Store) ensureChatUser(ctx context.Context, tx *sql.Tx, u ChatUser, now time.Time) (ChatUser, error) {
	// ON CONFLICT, not a read first: two first contacts racing on PostgreSQL both end here, and
	// the second waits for the first to commit and then inserts nothing. No conflict target: the
	// id and the key are both unique.
	res, err := tx.ExecContext(ctx, s.q(`INSERT INTO chat_users (`+chatUserColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
		u.AccountID, u.ID, u.Channel, u.Key, encodeTags(u.Tags), formatTime(now), formatTime(now))
	if err != nil {
		return ChatUser{}, fmt.Errorf("storing chat user %s: %w", u.ID, err)
	}
	inserted, err := res.RowsAffected()
	if err != nil {
		return ChatUser{}, err
	}
	stored, err := scanChatUser(tx.QueryRowContext(ctx, s.q(`SELECT `+chatUserColumns+` FROM chat_users
		WHERE account_id = ? AND user_key = ?`+s.forUpdate()), u.AccountID, u.Key))
	if errors.Is(err, sql.ErrNoRows) {
		return ChatUser{}, fmt.Errorf("chat user %s: the ID is stored with another key: %w", u.ID, ErrConflict)
	}
	if err != nil {
		return ChatUser{}, fmt.Errorf("reading chat user %s: %w", u.ID, err)
	}
	if inserted == 1 {
		if err := s.upsertTags(ctx, tx, "chat_user_tags", "user_id", stored.AccountID, stored.ID, stored.Tags); err != nil {
			return ChatUser{}, fmt.Errorf("storing the tags of chat user %s: %w", stored.ID, err)
		}
		return stored, nil
	}
	merged, changed, err := mergeTags("chat user "+stored.ID, stored.Tags, u.Tags)
	if err != nil || len(changed) == 0 {
		return stored, err
	}
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE chat_users SET tags = ?, updated_at = ? WHERE account_id = ? AND id = ?`),
		encodeTags(merged), formatTime(now), stored.AccountID, stored.ID); err != nil {
		return ChatUser{}, fmt.Errorf("updating the tags of chat user %s: %w", stored.ID, err)
	}
	if err := s.upsertTags(ctx, tx, "chat_user_tags", "user_id", stored.AccountID, stored.ID, changed); err != nil {
		return ChatUser{}, fmt.Errorf("updating the tags of chat user %s: %w", stored.ID, err)
	}
	stored.Tags, stored.UpdatedAt = merged, now
	return stored, nil
}

// ensureConversation stores c unless its id is stored, merges c's tags into the stored
// conversation's, and returns the conversation as stored, locked until tx ends.
func (s *Store) ensureConversation(ctx context.Context, tx *sql.Tx, c Conversation, now time.Time) (Conversation, error) {
	res, err := tx.ExecContext(ctx, s.q(`INSERT INTO conversations (`+conversationColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0) ON CONFLICT DO NOTHING`),
		c.AccountID, c.ID, c.Channel, c.Key, c.UserID, encodeTags(c.Tags), formatTime(now), formatTime(now), formatTime(now))
	if err != nil {
		return Conversation{}, fmt.Errorf("storing conversation %s: %w", c.ID, err)
	}
	inserted, err := res.RowsAffected()
	if err != nil {
		return Conversation{}, err
	}
	stored, err := s.lockConversation(ctx, tx, c.AccountID, c.ID)
	if err != nil {
		return Conversation{}, err
	}
	if stored.Channel != c.Channel || stored.Key != c.Key {
		return Conversation{}, fmt.Errorf("conversation %s: the ID is stored with channel %q and key %q, not %q and %q: %w",
			c.ID, stored.Channel, stored.Key, c.Channel, c.Key, ErrConflict)
	}
	if inserted == 1 {
		if err := s.upsertTags(ctx, tx, "conversation_tags", "conversation_id", stored.AccountID, stored.ID, stored.Tags); err != nil {
			return Conversation{}, fmt.Errorf("storing the tags of conversation %s: %w", stored.ID, err)
		}
		return stored, nil
	}
	merged, changed, err := mergeTags("conversation "+stored.ID, stored.Tags, c.Tags)
	if err != nil || len(changed) == 0 {
		return stored, err
	}
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE conversations SET tags = ?, updated_at = ? WHERE account_id = ? AND id = ?`),
		encodeTags(merged), formatTime(now), stored.AccountID, stored.ID); err != nil {
		return Conversation{}, fmt.Errorf("updating the tags of conversation %s: %w", stored.ID, err)
	}
	if err := s.upsertTags(ctx, tx, "conversation_tags", "conversation_id", stored.AccountID, stored.ID, changed); err != nil {
		return Conversation{}, fmt.Errorf("updating the tags of conversation %s: %w", stored.ID, err)
	}
	stored.Tags, stored.UpdatedAt = merged, now
	return stored, nil
}

// lockConversation reads a conversation and locks it until tx ends: every message inserted into a
// conversation is inserted under this lock, which is what lets insertChatMessage look for a
// message with the same source and then insert without a race. ErrNotFound when it is absent.
func (s *Store) lockConversation(ctx context.Context, tx *sql.Tx, accountID, id string) (Conversation, error) {
	c, err := scanConversation(tx.QueryRowContext(ctx, s.q(`SELECT `+conversationColumns+` FROM conversations
		WHERE account_id = ? AND id = ?`+s.forUpdate()), accountID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Conversation{}, fmt.Errorf("conversation %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Conversation{}, fmt.Errorf("reading conversation %s: %w", id, err)
	}
	return c, nil
}

// mergeTags returns stored with update merged in (names added, values changed, none removed) and
// the tags of update that changed it; more than 32 tags merged is ErrInvalid.
func mergeTags(what string, stored, update map[string]string) (merged, changed map[string]string, err error) {
	changed = map[string]string{}
	for name, value := range update {
		if old, ok := stored[name]; !ok || old != value {
			changed[name] = value
		}
	}
	merged = copyTags(stored)
	maps.Copy(merged, changed)
	if len(merged) > maxTags {
		return nil, nil, fmt.Errorf("%s would have %d tags, more than %d: %w", what, len(merged), maxTags, ErrInvalid)
	}
	return merged, changed, nil
}

// upsertTags writes tags as rows of table (chat_user_tags or conversation_tags, whose owner column
// is ownerColumn), replacing the values of those already there.
func (s *Store) upsertTags(ctx context.Context, tx *sql.Tx, table, ownerColumn, accountID, ownerID string, tags map[string]string) error {
	// Sorted, so concurrent writers of one owner's tags take the row locks in one order.
	for _, name := range slices.Sorted(maps.Keys(tags)) {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO `+table+` (account_id, `+ownerColumn+`, name, value)
			VALUES (?, ?, ?, ?)
			ON CONFLICT (account_id, `+ownerColumn+`, name) DO UPDATE SET value = excluded.value`),
			accountID, ownerID, name, tags[name]); err != nil {
			return err
		}
	}
	return nil
}

// insertChatMessage inserts m, prepared, into its conversation unless a message with its
// direction and source is there, and counts it; it returns the message as stored and whether it
// inserted it. The caller holds the conversation's lock (lockConversation).
func (s *Store) insertChatMessage(ctx context.Context, tx *sql.Tx, m ChatMessage, payload, runs string) (ChatMessage, bool, error) {
	stored, err := scanChatMessage(tx.QueryRowContext(ctx, s.q(`SELECT `+chatMessageColumns+` FROM chat_messages
		WHERE account_id = ? AND conversation_id = ? AND direction = ? AND source_id = ?`),
		m.AccountID, m.ConversationID, m.Direction, m.SourceID))
	if err == nil {
		return stored, false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return ChatMessage{}, false, fmt.Errorf("reading the message from source %q: %w", m.SourceID, err)
	}
	// The time is read under the conversation's lock, so a conversation's messages are recorded
	// in the order of their times too, as far as the clocks of the gateways agree.
	m.CreatedAt = s.now().UTC()
	if err := tx.QueryRowContext(ctx, s.q(`UPDATE conversations
		SET message_count = message_count + 1, last_message_at = ?
		WHERE account_id = ? AND id = ?
		RETURNING message_count`), formatTime(m.CreatedAt), m.AccountID, m.ConversationID).Scan(&m.Seq); err != nil {
		return ChatMessage{}, false, fmt.Errorf("counting the message: %w", err)
	}
	_, err = tx.ExecContext(ctx, s.q(`INSERT INTO chat_messages (`+chatMessageColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		m.AccountID, m.ID, m.ConversationID, m.UserID, m.Direction, m.Type, payload, encodeTags(m.Tags), m.SourceID,
		runs, formatTime(m.CreatedAt), m.Seq)
	if isUniqueViolation(err) {
		// Not the source (looked for above, under the lock): the id.
		return ChatMessage{}, false, fmt.Errorf("chat message %s: the ID is stored with another source: %w", m.ID, ErrConflict)
	}
	if err != nil {
		return ChatMessage{}, false, fmt.Errorf("storing the message: %w", err)
	}
	return m, true, nil
}

// RecordOutgoing inserts an outgoing message into an existing conversation (ErrNotFound if it does
// not exist), idempotent on source_id like RecordIncoming, bumps the conversation's counters.
// Returns the message as stored and whether it was inserted.
//
// An empty Direction is outgoing; any other but outgoing, or a UserID, is ErrInvalid.
func (s *Store) RecordOutgoing(ctx context.Context, m ChatMessage) (ChatMessage, bool, error) {
	if m.Direction == "" {
		m.Direction = DirectionOutgoing
	}
	if m.Direction != DirectionOutgoing {
		return ChatMessage{}, false, fmt.Errorf("recording outgoing message %s: direction %q: %w", m.ID, m.Direction, ErrInvalid)
	}
	prepared, payload, runs, err := m.prepare()
	if err != nil {
		return ChatMessage{}, false, fmt.Errorf("recording outgoing message %s: %w", m.ID, err)
	}
	m = prepared
	var (
		stored  ChatMessage
		created bool
	)
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockConversation(ctx, tx, m.AccountID, m.ConversationID); err != nil {
			return err
		}
		stored, created, err = s.insertChatMessage(ctx, tx, m, payload, runs)
		return err
	})
	if err != nil {
		return ChatMessage{}, false, fmt.Errorf("recording outgoing message %s in conversation %s: %w", m.ID, m.ConversationID, err)
	}
	return stored, created, nil
}

// SetMessageRuns replaces the runs that handled a message (ErrNotFound if absent).
func (s *Store) SetMessageRuns(ctx context.Context, accountID, messageID string, runs []HandledRun) error {
	text, err := encodeRuns(runs)
	if err != nil {
		return fmt.Errorf("setting the runs of chat message %s: %w", messageID, err)
	}
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE chat_messages SET runs = ? WHERE account_id = ? AND id = ?`),
		text, accountID, messageID)
	if err := affectedOne(res, err); err != nil {
		return fmt.Errorf("setting the runs of chat message %s: %w", messageID, err)
	}
	return nil
}

// ChatUser returns a user of the account, or ErrNotFound.
func (s *Store) ChatUser(ctx context.Context, accountID, id string) (ChatUser, error) {
	u, err := scanChatUser(s.rdb.QueryRowContext(ctx, s.q(`SELECT `+chatUserColumns+` FROM chat_users
		WHERE account_id = ? AND id = ?`), accountID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return ChatUser{}, fmt.Errorf("chat user %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return ChatUser{}, fmt.Errorf("reading chat user %s: %w", id, err)
	}
	return u, nil
}

// ChatUserByKey returns the user of the account with a channel address (runs.AwaitKey), or
// ErrNotFound.
func (s *Store) ChatUserByKey(ctx context.Context, accountID, key string) (ChatUser, error) {
	u, err := scanChatUser(s.rdb.QueryRowContext(ctx, s.q(`SELECT `+chatUserColumns+` FROM chat_users
		WHERE account_id = ? AND user_key = ?`), accountID, key))
	if errors.Is(err, sql.ErrNoRows) {
		return ChatUser{}, fmt.Errorf("chat user with key %q: %w", key, ErrNotFound)
	}
	if err != nil {
		return ChatUser{}, fmt.Errorf("reading chat user with key %q: %w", key, err)
	}
	return u, nil
}

// ChatUserFilter selects an account's users.
type ChatUserFilter struct {
	AccountID string
	Channel   string            // "" any
	Tags      map[string]string // all must match; none: any
	Page
}

// ListChatUsers returns the users of the account that f selects, newest first (created_at desc,
// id desc); an empty slice when there are none. Tags that could not be stored are ErrInvalid.
func (s *Store) ListChatUsers(ctx context.Context, f ChatUserFilter) ([]ChatUser, error) {
	limit, offset, err := f.bounds()
	if err != nil {
		return nil, err
	}
	if err := validateTags("the filter", f.Tags); err != nil {
		return nil, err
	}
	query, args := `SELECT `+chatUserColumns+` FROM chat_users o WHERE account_id = ?`, []any{f.AccountID}
	if f.Channel != "" {
		query += ` AND channel = ?`
		args = append(args, f.Channel)
	}
	query, args = withTags(query, args, "chat_user_tags", "user_id", f.Tags)
	query += ` ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`
	rows, err := s.rdb.QueryContext(ctx, s.q(query), append(args, limit, offset)...)
	if err != nil {
		return nil, fmt.Errorf("listing chat users: %w", err)
	}
	us, err := scanAll(rows, scanChatUser)
	if err != nil {
		return nil, fmt.Errorf("listing chat users: %w", err)
	}
	return us, nil
}

// withTags adds to a query over rows aliased o the condition that they have every one of tags in
// table, whose owner column is ownerColumn.
func withTags(query string, args []any, table, ownerColumn string, tags map[string]string) (string, []any) {
	for _, name := range slices.Sorted(maps.Keys(tags)) {
		query += ` AND EXISTS (SELECT 1 FROM ` + table + ` t
			WHERE t.account_id = o.account_id AND t.` + ownerColumn + ` = o.id AND t.name = ? AND t.value = ?)`
		args = append(args, name, tags[name])
	}
	return query, args
}

// Conversation returns a conversation of the account, or ErrNotFound.
func (s *Store) Conversation(ctx context.Context, accountID, id string) (Conversation, error) {
	c, err := scanConversation(s.rdb.QueryRowContext(ctx, s.q(`SELECT `+conversationColumns+` FROM conversations
		WHERE account_id = ? AND id = ?`), accountID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Conversation{}, fmt.Errorf("conversation %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Conversation{}, fmt.Errorf("reading conversation %s: %w", id, err)
	}
	return c, nil
}

// ConversationFilter selects an account's conversations.
type ConversationFilter struct {
	AccountID string
	Channel   string            // "" any
	UserID    string            // the user of first contact; "" any
	Tags      map[string]string // all must match; none: any
	Page
}

// ListConversations returns the conversations of the account that f selects, newest
// last_message_at first (then id desc); an empty slice when there are none. Tags that could not be
// stored are ErrInvalid.
func (s *Store) ListConversations(ctx context.Context, f ConversationFilter) ([]Conversation, error) {
	limit, offset, err := f.bounds()
	if err != nil {
		return nil, err
	}
	if err := validateTags("the filter", f.Tags); err != nil {
		return nil, err
	}
	query, args := `SELECT `+conversationColumns+` FROM conversations o WHERE account_id = ?`, []any{f.AccountID}
	if f.Channel != "" {
		query += ` AND channel = ?`
		args = append(args, f.Channel)
	}
	if f.UserID != "" {
		query += ` AND user_id = ?`
		args = append(args, f.UserID)
	}
	query, args = withTags(query, args, "conversation_tags", "conversation_id", f.Tags)
	query += ` ORDER BY last_message_at DESC, id DESC LIMIT ? OFFSET ?`
	rows, err := s.rdb.QueryContext(ctx, s.q(query), append(args, limit, offset)...)
	if err != nil {
		return nil, fmt.Errorf("listing conversations: %w", err)
	}
	cs, err := scanAll(rows, scanConversation)
	if err != nil {
		return nil, fmt.Errorf("listing conversations: %w", err)
	}
	return cs, nil
}

// ChatMessage returns a message of the account, or ErrNotFound.
func (s *Store) ChatMessage(ctx context.Context, accountID, id string) (ChatMessage, error) {
	m, err := scanChatMessage(s.rdb.QueryRowContext(ctx, s.q(`SELECT `+chatMessageColumns+` FROM chat_messages
		WHERE account_id = ? AND id = ?`), accountID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return ChatMessage{}, fmt.Errorf("chat message %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return ChatMessage{}, fmt.Errorf("reading chat message %s: %w", id, err)
	}
	return m, nil
}

// ChatMessageFilter selects the messages of one conversation.
type ChatMessageFilter struct {
	AccountID      string
	ConversationID string
	Page
}

// ListChatMessages returns the messages of a conversation of the account, oldest first (a
// conversation reads top to bottom: by Seq); an empty slice when the page is past the last,
// ErrNotFound when the account has no such conversation.
func (s *Store) ListChatMessages(ctx context.Context, f ChatMessageFilter) ([]ChatMessage, error) {
	limit, offset, err := f.bounds()
	if err != nil {
		return nil, err
	}
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT `+chatMessageColumns+` FROM chat_messages
		WHERE account_id = ? AND conversation_id = ? ORDER BY seq LIMIT ? OFFSET ?`),
		f.AccountID, f.ConversationID, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("listing the messages of conversation %s: %w", f.ConversationID, err)
	}
	ms, err := scanAll(rows, scanChatMessage)
	if err != nil {
		return nil, fmt.Errorf("listing the messages of conversation %s: %w", f.ConversationID, err)
	}
	if len(ms) == 0 {
		// Past the end, or no conversation: say which.
		if _, err := s.Conversation(ctx, f.AccountID, f.ConversationID); err != nil {
			return nil, fmt.Errorf("listing the messages of conversation %s: %w", f.ConversationID, err)
		}
	}
	return ms, nil
}

func scanChatUser(row scanner) (ChatUser, error) {
	var (
		u                      ChatUser
		tags, created, updated string
		err                    error
	)
	if err = row.Scan(&u.AccountID, &u.ID, &u.Channel, &u.Key, &tags, &created, &updated); err != nil {
		return ChatUser{}, err
	}
	if err = json.Unmarshal([]byte(tags), &u.Tags); err != nil {
		return ChatUser{}, fmt.Errorf("chat user %s: stored tags: %w", u.ID, err)
	}
	u.Tags = copyTags(u.Tags)
	if u.CreatedAt, err = parseTime(created); err != nil {
		return ChatUser{}, err
	}
	if u.UpdatedAt, err = parseTime(updated); err != nil {
		return ChatUser{}, err
	}
	return u, nil
}

func scanConversation(row scanner) (Conversation, error) {
	var (
		c                            Conversation
		tags, created, updated, last string
		err                          error
	)
	if err = row.Scan(&c.AccountID, &c.ID, &c.Channel, &c.Key, &c.UserID, &tags, &created, &updated, &last, &c.MessageCount); err != nil {
		return Conversation{}, err
	}
	if err = json.Unmarshal([]byte(tags), &c.Tags); err != nil {
		return Conversation{}, fmt.Errorf("conversation %s: stored tags: %w", c.ID, err)
	}
	c.Tags = copyTags(c.Tags)
	if c.CreatedAt, err = parseTime(created); err != nil {
		return Conversation{}, err
	}
	if c.UpdatedAt, err = parseTime(updated); err != nil {
		return Conversation{}, err
	}
	if c.LastMessageAt, err = parseTime(last); err != nil {
		return Conversation{}, err
	}
	return c, nil
}

func scanChatMessage(row scanner) (ChatMessage, error) {
	var (
		m                            ChatMessage
		payload, tags, runs, created string
		err                          error
	)
	if err = row.Scan(&m.AccountID, &m.ID, &m.ConversationID, &m.UserID, &m.Direction, &m.Type, &payload, &tags,
		&m.SourceID, &runs, &created, &m.Seq); err != nil {
		return ChatMessage{}, err
	}
	if err = json.Unmarshal([]byte(payload), &m.Payload); err != nil {
		return ChatMessage{}, fmt.Errorf("chat message %s: stored payload: %w", m.ID, err)
	}
	if m.Payload == nil {
		m.Payload = map[string]any{}
	}
	if err = json.Unmarshal([]byte(tags), &m.Tags); err != nil {
		return ChatMessage{}, fmt.Errorf("chat message %s: stored tags: %w", m.ID, err)
	}
	m.Tags = copyTags(m.Tags)
	if err = json.Unmarshal([]byte(runs), &m.Runs); err != nil {
		return ChatMessage{}, fmt.Errorf("chat message %s: stored runs: %w", m.ID, err)
	}
	if m.Runs == nil {
		m.Runs = []HandledRun{}
	}
	if m.CreatedAt, err = parseTime(created); err != nil {
		return ChatMessage{}, err
	}
	return m, nil
}
