package gateway

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"testing"

	"github.com/gin-gonic/gin"
)

// fuzzRequest has a field of each kind the gateway's request bodies
// decode (createConnection, updateConnection, controlRun, the keys and the
// app environment).
type fuzzRequest struct {
	App        *string                    `json:"app"`
	Name       string                     `json:"name"`
	Fields     map[string]json.RawMessage `json:"fields"`
	Properties map[string]string          `json:"properties"`
	Scopes     []string                   `json:"scopes"`
	Version    int                        `json:"version"`
	Enabled    *bool                      `json:"enabled"`
}

// FuzzBind fuzzes the gateway's body binding with bodies and body limits.
// Whatever the body, binding answers 400 with a message, or 413 when the
// body is over the limit, never a 5xx; and a trigger body it accepts is a
// JSON object that reads back the same after marshalling.
func FuzzBind(f *testing.F) {
	gin.SetMode(gin.TestMode)
	if b, err := os.ReadFile("testdata/notify.json"); err == nil {
		f.Add(b, uint16(4096))
	}
	for _, body := range []string{
		`{"app":"shopify","name":"Shop","fields":{"shop":"acme","token":{"set":true}},"properties":{"a":"b"},"version":2}`,
		`{"status":"suspend"}`, `{"name":1}`, `{"nope":true}`, `{"version":1e400}`, `[]`, `{} {}`, ` `, `{"a":`, "\xff"} {
		f.Add([]byte(body), uint16(4096))
	}
	f.Add([]byte(`{"name":"0123456789"}`), uint16(8))

	// request makes a context whose body is limited to limit bytes, as the
	// gateway's middleware limits every body.
	request := func(body []byte, limit int64) *gin.Context {
		rec := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(rec)
		c.Request = httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		c.Request.Body = http.MaxBytesReader(rec, c.Request.Body, limit)
		return c
	}
	refused := func(t *testing.T, what string, err error, body []byte, limit int64) {
		t.Helper()
		status, answer := answer(err)
		switch {
		case status == http.StatusRequestEntityTooLarge:
			if int64(len(body)) <= limit {
				t.Fatalf("%s: 413 for %d bytes under a limit of %d", what, len(body), limit)
			}
		case status != http.StatusBadRequest:
			t.Fatalf("%s: answered %d (%v), want 400 or 413", what, status, err)
		case answer.Message == "":
			t.Fatalf("%s: a 400 without a message", what)
		}
	}

	f.Fuzz(func(t *testing.T, body []byte, limit uint16) {
		maxBytes := int64(limit) + 1

		var req fuzzRequest
		if err := decodeStrict(request(body, maxBytes), &req); err != nil {
			refused(t, "decodeStrict", err, body, maxBytes)
		}

		raw, err := readBody(request(body, maxBytes))
		if err != nil {
			refused(t, "readBody", err, body, maxBytes)
			return
		}
		obj, err := jsonObject(raw)
		if err != nil {
			refused(t, "jsonObject", err, body, maxBytes)
			return
		}
		if obj == nil {
			t.Fatal("jsonObject accepted a body without giving an object")
		}
		again, err := json.Marshal(obj)
		if err != nil {
			t.Fatalf("the trigger payload does not marshal: %v", err)
		}
		back, err := jsonObject(again)
		if err != nil {
			t.Fatalf("the marshalled trigger payload is refused: %v\n%s", err, again)
		}
		if !reflect.DeepEqual(back, obj) {
			t.Fatalf("the trigger payload changed through JSON:\n%#v\n%#v", obj, back)
		}
	})
}
