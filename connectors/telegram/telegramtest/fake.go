// Package telegramtest fakes the Telegram Bot API for the telegram
// connector's tests: an httptest server that serves
// https://api.telegram.org/bot<token>/<method> as Telegram documents it
// (the token in the path, {"ok": false, "error_code": N, "description":
// "…"} refusals with status N, 429 with parameters.retry_after), keeps the
// messages it was sent, logs requests, and fails on demand for the
// conformance kit.
package telegramtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors/connectortest"
)

// Token is the bot token the fake accepts.
const Token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"

// Chats the fake knows.
const (
	// PrivateChat is a user who has started the bot.
	PrivateChat int64 = 123456789
	// Supergroup has the bot as a member.
	Supergroup int64 = -1001234567890
	// Channel is a public channel, also reachable as ChannelUsername.
	Channel         int64 = -1009876543210
	ChannelUsername       = "@junction_news"
	// BlockedChat is a user who has blocked the bot.
	BlockedChat int64 = 987654321
	// MigratedGroup is a group that became Supergroup.
	MigratedGroup int64 = -4242
)

// Request is one request the fake received. Path is as sent, token
// included.
type Request struct {
	connectortest.Request
	// BotMethod is the Bot API method called (sendMessage), "" when the
	// path is not a method's.
	BotMethod string
}

// Message is a message the fake holds, in the Bot API's form.
type Message struct {
	MessageID int64 `json:"message_id"`
	From      struct {
		ID        int64  `json:"id"`
		IsBot     bool   `json:"is_bot"`
		FirstName string `json:"first_name"`
		Username  string `json:"username"`
	} `json:"from"`
	Chat struct {
		ID        int64  `json:"id"`
		Type      string `json:"type"`
		Title     string `json:"title,omitempty"`
		Username  string `json:"username,omitempty"`
		FirstName string `json:"first_name,omitempty"`
	} `json:"chat"`
	Date      int64  `json:"date"`
	Text      string `json:"text"`
	ParseMode string `json:"-"`
	ReplyTo   int64  `json:"-"`
}

// Server is the fake. Clients reach it with connectortest.Redirect,
// keeping Host api.telegram.org and the path.
type Server struct {
	*connectortest.Server
	connectortest.Outbox[Message]
}

// New starts a fake that t closes when it ends.
func New(t testing.TB) *Server {
	s := &Server{}
	s.Server = connectortest.NewServer(t, s.serve, writeFailure)
	return s
}

// Requests returns what the fake has received, oldest first.
func (s *Server) Requests() []Request {
	return connectortest.RequestsAs(s.Server, func(r connectortest.Request) Request {
		_, method := botPath(r.Path)
		return Request{Request: r, BotMethod: method}
	})
}

// descriptions are what Telegram says for failing statuses.
var descriptions = map[int]string{
	http.StatusBadRequest:          "Bad Request: chat not found",
	http.StatusUnauthorized:        "Unauthorized",
	http.StatusForbidden:           "Forbidden: bot was blocked by the user",
	http.StatusNotFound:            "Not Found",
	http.StatusConflict:            "Conflict: can't use getUpdates method while webhook is active",
	http.StatusUnprocessableEntity: "Unprocessable Entity",
	http.StatusInternalServerError: "Internal Server Error",
	http.StatusBadGateway:          "Bad Gateway",
	http.StatusServiceUnavailable:  "Service Unavailable",
}

func writeError(w http.ResponseWriter, status int, description string, params map[string]any) {
	body := map[string]any{"ok": false, "error_code": status, "description": description}
	if len(params) > 0 {
		body["parameters"] = params
	}
	connectortest.ContentJSON.Write(w, status, body)
}

// botPath splits a path /bot<token>/<method>; method is "" for any other.
func botPath(path string) (token, method string) {
	rest, ok := strings.CutPrefix(path, "/bot")
	token, method, hasMethod := strings.Cut(rest, "/")
	if !ok || !hasMethod {
		method = ""
	}
	return token, method
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, body []byte) {
	token, method := botPath(r.URL.Path)
	f := s.Next()
	if host := connectortest.Hostname(r.Host); host != "api.telegram.org" {
		http.Error(w, "no such host "+host, http.StatusNotFound)
		return
	}
	if method == "" {
		writeError(w, http.StatusNotFound, "Not Found", nil)
		return
	}
	if f != nil {
		s.WriteFailure(w, *f)
		return
	}
	if token != Token {
		writeError(w, http.StatusUnauthorized, "Unauthorized", nil)
		return
	}
	switch method {
	case "sendMessage":
		s.sendMessage(w, r, body)
	case "getMe":
		connectortest.ContentJSON.WriteString(w, http.StatusOK, `{"ok":true,"result":{"id":123456789,"is_bot":true,"first_name":"Junction","username":"junction_bot"}}`)
	default:
		writeError(w, http.StatusNotFound, "Not Found", nil)
	}
}

// writeFailure answers an injected failure as Telegram does: a 429 says
// when to retry in parameters.retry_after, other statuses in Retry-After.
func writeFailure(w http.ResponseWriter, f connectortest.Failure) {
	secs := f.RetryAfterSeconds()
	if f.Status == http.StatusTooManyRequests {
		var params map[string]any
		desc := "Too Many Requests"
		if secs > 0 {
			params = map[string]any{"retry_after": secs}
			desc += ": retry after " + strconv.Itoa(secs)
		}
		writeError(w, f.Status, desc, params)
		return
	}
	f.SetRetryAfter(w.Header())
	desc := descriptions[f.Status]
	if desc == "" {
		desc = http.StatusText(f.Status)
	}
	writeError(w, f.Status, desc, nil)
}

func (s *Server) sendMessage(w http.ResponseWriter, r *http.Request, body []byte) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeError(w, http.StatusBadRequest, "Bad Request: message text is empty", nil)
		return
	}
	var in struct {
		ChatID           json.RawMessage `json:"chat_id"`
		Text             string          `json:"text"`
		ParseMode        string          `json:"parse_mode"`
		ReplyToMessageID int64           `json:"reply_to_message_id"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, http.StatusBadRequest, "Bad Request: can't parse JSON", nil)
		return
	}
	var chatID int64
	var username string
	if err := json.Unmarshal(in.ChatID, &chatID); err != nil {
		if json.Unmarshal(in.ChatID, &username) != nil {
			writeError(w, http.StatusBadRequest, "Bad Request: chat_id is empty", nil)
			return
		}
		if n, err := strconv.ParseInt(username, 10, 64); err == nil {
			chatID, username = n, ""
		}
	}
	if username == ChannelUsername {
		chatID = Channel
	}
	var m Message
	switch chatID {
	case PrivateChat:
		m.Chat.Type, m.Chat.FirstName, m.Chat.Username = "private", "Ada", "ada"
	case Supergroup:
		m.Chat.Type, m.Chat.Title = "supergroup", "Warehouse"
	case Channel:
		m.Chat.Type, m.Chat.Title, m.Chat.Username = "channel", "Junction news", strings.TrimPrefix(ChannelUsername, "@")
	case BlockedChat:
		writeError(w, http.StatusForbidden, "Forbidden: bot was blocked by the user", nil)
		return
	case MigratedGroup:
		writeError(w, http.StatusBadRequest, "Bad Request: group chat was upgraded to a supergroup chat",
			map[string]any{"migrate_to_chat_id": Supergroup})
		return
	default:
		writeError(w, http.StatusBadRequest, "Bad Request: chat not found", nil)
		return
	}
	switch in.ParseMode {
	case "", "MarkdownV2", "HTML", "Markdown":
	default:
		writeError(w, http.StatusBadRequest, "Bad Request: unsupported parse_mode", nil)
		return
	}
	switch n := len([]rune(in.Text)); {
	case strings.TrimSpace(in.Text) == "":
		writeError(w, http.StatusBadRequest, "Bad Request: message text is empty", nil)
		return
	case n > 4096:
		writeError(w, http.StatusBadRequest, "Bad Request: message is too long", nil)
		return
	}
	msg, err := s.Add(func(sent []Message) (Message, error) {
		if in.ReplyToMessageID != 0 && !slices.ContainsFunc(sent, func(k Message) bool { return k.Chat.ID == chatID && k.MessageID == in.ReplyToMessageID }) {
			return Message{}, errReplyNotFound
		}
		m.MessageID = int64(len(sent) + 1)
		m.From.ID, m.From.IsBot, m.From.FirstName, m.From.Username = 123456789, true, "Junction", "junction_bot"
		m.Chat.ID = chatID
		m.Date = time.Now().Unix()
		m.Text = in.Text
		m.ParseMode = in.ParseMode
		m.ReplyTo = in.ReplyToMessageID
		return m, nil
	})
	if err != nil {
		writeError(w, http.StatusBadRequest, "Bad Request: message to be replied not found", nil)
		return
	}
	connectortest.ContentJSON.Write(w, http.StatusOK, map[string]any{"ok": true, "result": msg})
}

// errReplyNotFound: reply_to_message_id names no message in the chat.
var errReplyNotFound = errors.New("message to be replied not found")

// String prints a message for test failures.
func (m Message) String() string {
	return fmt.Sprintf("#%d in %d: %q", m.MessageID, m.Chat.ID, m.Text)
}
