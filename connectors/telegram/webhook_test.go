package telegram_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/telegram"
)

func TestVerifyWebhook(t *testing.T) {
	const secret, old = "s3cr3t-Token_2026", "old-token-2025"
	header := func(v string) http.Header {
		h := http.Header{}
		if v != "" {
			h.Set("X-Telegram-Bot-Api-Secret-Token", v)
		}
		return h
	}
	for _, tc := range []struct {
		name    string
		header  http.Header
		secrets []string
		want    error
	}{
		{"good", header(secret), []string{secret}, nil},
		{"rotation: old token", header(old), []string{secret, old}, nil},
		{"rotation: new token", header(secret), []string{old, secret}, nil},
		{"wrong token", header("guess"), []string{secret, old}, telegram.ErrBadSecretToken},
		{"prefix of the token", header(secret[:5]), []string{secret}, telegram.ErrBadSecretToken},
		{"token with a suffix", header(secret + "x"), []string{secret}, telegram.ErrBadSecretToken},
		{"case differs", header("S3CR3T-TOKEN_2026"), []string{secret}, telegram.ErrBadSecretToken},
		{"missing header", header(""), []string{secret}, telegram.ErrMissingSecretToken},
		{"no secret", header(secret), nil, telegram.ErrMissingSecretToken},
		{"empty secret", header(secret), []string{""}, telegram.ErrMissingSecretToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := telegram.VerifyWebhook(tc.header, tc.secrets...)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Errorf("VerifyWebhook = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestUpdatePayload(t *testing.T) {
	tr := telegram.New().Spec().Triggers[0]
	if tr.ID != "update" || tr.Signature != telegram.SignatureScheme || tr.IDPointer != "/update_id" || tr.Kind != connectors.TriggerWebhook {
		t.Fatalf("trigger %+v", tr)
	}
	// Updates carry fields the schema does not list; they must pass.
	for _, u := range []string{
		`{"update_id": 10001, "message": {"message_id": 1, "chat": {"id": 1, "type": "private"}, "date": 1, "text": "hi",
		  "entities": [{"type": "bot_command", "offset": 0, "length": 7}], "message_thread_id": 3}}`,
		`{"update_id": 10002, "callback_query": {"id": "4382", "from": {"id": 1, "is_bot": false, "first_name": "Ada"},
		  "chat_instance": "-1", "data": "ship:1001"}}`,
		`{"update_id": 10003, "my_chat_member": {"chat": {"id": 1}}}`,
	} {
		if err := tr.Payload.Validate(json.RawMessage(u)); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	if err := tr.Payload.Validate(json.RawMessage(`{"message": {}}`)); err == nil {
		t.Error("an update without update_id was accepted")
	}
	id, err := connectors.Pointer(tr.SamplePayload, tr.IDPointer)
	if err != nil || id == nil {
		t.Errorf("sample id %v, %v", id, err)
	}
	var u telegram.Update
	if err := json.Unmarshal(tr.SamplePayload, &u); err != nil || u.UpdateID != 10000 || u.Message == nil || u.Message.Text != "/status 1001" {
		t.Errorf("sample decodes to %+v, %v", u, err)
	}
}
