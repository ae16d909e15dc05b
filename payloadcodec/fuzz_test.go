package payloadcodec

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// FuzzHandler posts arbitrary bodies to an authorized codec endpoint, the
// one the Temporal UI and CLI call. Whatever the body, the answer is 200
// or a 4xx, never a 5xx; a 200 is a Payloads object; and what /encode
// answers, /decode turns back into the payloads that were sent.
func FuzzHandler(f *testing.F) {
	codec := New(testKeyring(f, testKey(f, "k1"), testKey(f, "k0")), WithCompression())
	h := Handler(codec, HandlerConfig{Authorize: func(*http.Request) error { return nil }})

	plain := []*commonpb.Payload{jsonPayload(cardNumber), {}, {Metadata: map[string][]byte{"encoding": []byte("binary/null")}}}
	encrypted, err := codec.Encode(plain)
	if err != nil {
		f.Fatal(err)
	}
	for _, ps := range [][]*commonpb.Payload{plain, encrypted} {
		body, err := protojson.Marshal(&commonpb.Payloads{Payloads: ps})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(true, body)
		f.Add(false, body)
	}
	for _, body := range []string{`{"payloads":[]}`, `{}`, `{"payloads":[null]}`, `{"payloads":[{"metadata":{"encoding":"YmluYXJ5L2VuY3J5cHRlZA=="}}]}`, `[`, ``} {
		f.Add(false, []byte(body))
	}

	post := func(t *testing.T, path string, body []byte) *httptest.ResponseRecorder {
		t.Helper()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/codec/"+path, bytes.NewReader(body)))
		if rec.Code >= 500 {
			t.Fatalf("POST /codec/%s answered %d: %s\nbody %q", path, rec.Code, rec.Body, body)
		}
		return rec
	}
	answered := func(t *testing.T, rec *httptest.ResponseRecorder) []*commonpb.Payload {
		t.Helper()
		var out commonpb.Payloads
		if err := protojson.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("a 200 whose body is not Payloads: %v\n%s", err, rec.Body)
		}
		return out.GetPayloads()
	}

	f.Fuzz(func(t *testing.T, encode bool, body []byte) {
		if !encode {
			if rec := post(t, "decode", body); rec.Code == http.StatusOK {
				answered(t, rec)
			}
			return
		}
		rec := post(t, "encode", body)
		if rec.Code != http.StatusOK {
			return
		}
		var sent commonpb.Payloads
		if err := protojson.Unmarshal(body, &sent); err != nil {
			t.Fatalf("/encode accepted a body that is not Payloads: %v", err)
		}
		encrypted := answered(t, rec)
		if len(encrypted) != len(sent.GetPayloads()) {
			t.Fatalf("/encode answered %d payloads for %d", len(encrypted), len(sent.GetPayloads()))
		}
		again, err := protojson.Marshal(&commonpb.Payloads{Payloads: encrypted})
		if err != nil {
			t.Fatal(err)
		}
		back := post(t, "decode", again)
		if back.Code != http.StatusOK {
			t.Fatalf("/decode of what /encode answered: %d %s", back.Code, back.Body)
		}
		decoded := answered(t, back)
		for i, p := range sent.GetPayloads() {
			if !proto.Equal(decoded[i], p) {
				t.Fatalf("payload %d: /encode then /decode gave %v, want %v", i, decoded[i], p)
			}
		}
	})
}
