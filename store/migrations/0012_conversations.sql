-- Conversations: the users who write to an account over its channels, their conversations, and
-- every message in and out of them, with the runs that handled each. Ids are the caller's, derived
-- from what the channel says, so recording a redelivered message again finds the rows already
-- there. Tags are kept twice: as a JSON object in the row, which is what is read, and as rows of
-- a tags table, which is what a list filters on. Portable SQL like 0001-0011: TEXT timestamps in
-- the same fixed-width UTC layout, JSON kept as TEXT. A conversation's state is a row of states
-- (0011) with scope 'conversation' and scope_key the conversation's id: no change there.

CREATE TABLE chat_users (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- "usr_...".
    id         TEXT NOT NULL,
    channel    TEXT NOT NULL CHECK (channel <> ''),
    -- The user's channel address, runs.AwaitKey: "sms:6591234567".
    user_key   TEXT NOT NULL CHECK (user_key <> ''),
    -- JSON object of tag name to value; chat_user_tags holds the same as rows.
    tags       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    -- Changed when the tags are.
    updated_at TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);

-- ChatUserByKey, and one user per address.
CREATE UNIQUE INDEX chat_users_by_key ON chat_users (account_id, user_key);
-- ListChatUsers, newest first.
CREATE INDEX chat_users_by_created ON chat_users (account_id, created_at);

CREATE TABLE chat_user_tags (
    account_id TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    name       TEXT NOT NULL CHECK (name <> ''),
    value      TEXT NOT NULL,
    PRIMARY KEY (account_id, user_id, name),
    FOREIGN KEY (account_id, user_id) REFERENCES chat_users (account_id, id) ON DELETE CASCADE
);

-- ListChatUsers filtering by tag.
CREATE INDEX chat_user_tags_by_value ON chat_user_tags (account_id, name, value);

CREATE TABLE conversations (
    account_id       TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- "conv_...".
    id               TEXT    NOT NULL,
    channel          TEXT    NOT NULL CHECK (channel <> ''),
    -- What the channel says the conversation is (a phone number, a Slack thread). Not unique: a
    -- caller may start a new conversation on the same key.
    conversation_key TEXT    NOT NULL CHECK (conversation_key <> ''),
    -- The user of first contact. No foreign key: in a group conversation the others write too,
    -- and forgetting one user must not take the conversation with it.
    user_id          TEXT    NOT NULL,
    -- JSON object of tag name to value; conversation_tags holds the same as rows.
    tags             TEXT    NOT NULL,
    created_at       TEXT    NOT NULL,
    -- Changed when the tags are.
    updated_at       TEXT    NOT NULL,
    -- When the last message was recorded; created_at until the first is.
    last_message_at  TEXT    NOT NULL,
    -- Messages recorded, both directions; also the seq of the last one.
    message_count    INTEGER NOT NULL DEFAULT 0 CHECK (message_count >= 0),
    PRIMARY KEY (account_id, id)
);

-- ListConversations, most recently active first, of a channel or of all.
CREATE INDEX conversations_by_channel_last_message ON conversations (account_id, channel, last_message_at);
CREATE INDEX conversations_by_last_message ON conversations (account_id, last_message_at);
-- ListConversations of one user.
CREATE INDEX conversations_by_user ON conversations (account_id, user_id, last_message_at);

CREATE TABLE conversation_tags (
    account_id      TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    name            TEXT NOT NULL CHECK (name <> ''),
    value           TEXT NOT NULL,
    PRIMARY KEY (account_id, conversation_id, name),
    FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE
);

-- ListConversations filtering by tag.
CREATE INDEX conversation_tags_by_value ON conversation_tags (account_id, name, value);

CREATE TABLE chat_messages (
    account_id      TEXT    NOT NULL,
    -- "cmsg_...".
    id              TEXT    NOT NULL,
    conversation_id TEXT    NOT NULL,
    -- The user who wrote it; '' for outgoing.
    user_id         TEXT    NOT NULL,
    direction       TEXT    NOT NULL CHECK (direction IN ('incoming', 'outgoing')),
    -- text, markdown, image, file, choice, ...
    type            TEXT    NOT NULL CHECK (type <> ''),
    -- JSON object: the message's content, as its type has it.
    payload         TEXT    NOT NULL,
    -- JSON object of tag name to value.
    tags            TEXT    NOT NULL,
    -- What makes recording it idempotent: the inbound event's id, or for outgoing the sending
    -- run's workflow id and step.
    source_id       TEXT    NOT NULL CHECK (source_id <> ''),
    -- JSON array of the runs that handled it (store.HandledRun).
    runs            TEXT    NOT NULL DEFAULT '[]',
    created_at      TEXT    NOT NULL,
    -- 1, 2, ... in the conversation, in the order recorded: the conversation's message_count
    -- when it was. Orders a conversation where clocks could not.
    seq             INTEGER NOT NULL CHECK (seq > 0),
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE
);

-- A redelivered message is found, not stored twice.
CREATE UNIQUE INDEX chat_messages_by_source ON chat_messages (account_id, conversation_id, direction, source_id);
-- ListChatMessages, oldest first, and the cascade from conversations.
CREATE UNIQUE INDEX chat_messages_by_seq ON chat_messages (account_id, conversation_id, seq);
