package payloadcodec

import (
	"bytes"
	"crypto/rand"
	"errors"
	"reflect"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

// A value no encrypted payload may contain in clear.
const cardNumber = "4111-1111-1111-1111"

func testKey(t testing.TB, id string) Key {
	t.Helper()
	secret := make([]byte, KeySize)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	return Key{ID: id, Secret: secret}
}

func testKeyring(t testing.TB, current Key, old ...Key) *Keyring {
	t.Helper()
	kr, err := NewKeyring(current, old...)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func jsonPayload(s string) *commonpb.Payload {
	return &commonpb.Payload{
		Metadata: map[string][]byte{converter.MetadataEncoding: []byte(converter.MetadataEncodingJSON)},
		Data:     []byte(`"` + s + `"`),
	}
}

type webhookBody struct {
	Customer string            `json:"customer"`
	Card     string            `json:"card"`
	Amount   int               `json:"amount"`
	Tags     map[string]string `json:"tags"`
}

func TestDataConverterRoundTrip(t *testing.T) {
	kr := testKeyring(t, testKey(t, "k1"))
	codecs := map[string]*Codec{"plain": New(kr), "compressed": New(kr, WithCompression())}
	values := []struct {
		name string
		in   any
	}{
		{"string", cardNumber},
		{"int", 42},
		{"bool", true},
		{"float", 3.25},
		{"struct", webhookBody{Customer: "Ada", Card: cardNumber, Amount: 1200, Tags: map[string]string{"vip": "yes"}}},
		{"map", map[string]any{"card": cardNumber, "n": 1.5}},
		{"slice", []string{"a", cardNumber}},
		{"bytes", []byte(cardNumber)},
		{"empty string", ""},
		{"large json", strings.Repeat(`{"card":"`+cardNumber+`"}`, 2000)},
		{"proto", &commonpb.WorkflowExecution{WorkflowId: cardNumber, RunId: "run"}},
	}
	for cname, codec := range codecs {
		dc := DataConverter(codec)
		for _, v := range values {
			t.Run(cname+"/"+v.name, func(t *testing.T) {
				p, err := dc.ToPayload(v.in)
				if err != nil {
					t.Fatal(err)
				}
				assertEncrypted(t, p, "k1")
				out := reflect.New(reflect.TypeOf(v.in))
				if err := dc.FromPayload(p, out.Interface()); err != nil {
					t.Fatal(err)
				}
				got := out.Elem().Interface()
				if m, ok := v.in.(proto.Message); ok {
					if !proto.Equal(m, got.(proto.Message)) {
						t.Fatalf("got %v, want %v", got, v.in)
					}
					return
				}
				if !reflect.DeepEqual(got, v.in) {
					t.Fatalf("got %#v, want %#v", got, v.in)
				}
			})
		}
	}

	t.Run("several values at once", func(t *testing.T) {
		dc := DataConverter(New(kr))
		ps, err := dc.ToPayloads("a", 2, webhookBody{Card: cardNumber})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps.Payloads {
			assertEncrypted(t, p, "k1")
		}
		var (
			s string
			n int
			b webhookBody
		)
		if err := dc.FromPayloads(ps, &s, &n, &b); err != nil {
			t.Fatal(err)
		}
		if s != "a" || n != 2 || b.Card != cardNumber {
			t.Fatalf("got %q %d %+v", s, n, b)
		}
		if got := dc.ToStrings(ps); got[0] != `"a"` {
			t.Fatalf("ToStrings decrypts for display, got %q", got)
		}
	})

	t.Run("nil", func(t *testing.T) {
		dc := DataConverter(New(kr))
		p, err := dc.ToPayload(nil)
		if err != nil {
			t.Fatal(err)
		}
		assertEncrypted(t, p, "k1")
		var got *webhookBody
		if err := dc.FromPayload(p, &got); err != nil || got != nil {
			t.Fatalf("got %v, %v", got, err)
		}
	})
}

func assertEncrypted(t *testing.T, p *commonpb.Payload, keyID string) {
	t.Helper()
	if enc := string(p.Metadata[converter.MetadataEncoding]); enc != EncodingEncrypted {
		t.Fatalf("encoding %q, want %q", enc, EncodingEncrypted)
	}
	if id := string(p.Metadata[MetadataKeyID]); id != keyID {
		t.Fatalf("key id %q, want %q", id, keyID)
	}
	raw, err := proto.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, clear := range []string{cardNumber, "json/plain", "json/protobuf"} {
		if bytes.Contains(raw, []byte(clear)) {
			t.Fatalf("encrypted payload contains %q in clear", clear)
		}
	}
}

func TestEncodeIsRandomized(t *testing.T) {
	for _, opts := range [][]Option{nil, {WithCompression()}} {
		c := New(testKeyring(t, testKey(t, "k1")), opts...)
		in := []*commonpb.Payload{jsonPayload(cardNumber), jsonPayload(cardNumber)}
		before := proto.Clone(in[0])
		a, err := c.Encode(in)
		if err != nil {
			t.Fatal(err)
		}
		b, err := c.Encode(in[:1])
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(in[0], before) {
			t.Fatal("Encode changed its input")
		}
		if bytes.Equal(a[0].Data, a[1].Data) || bytes.Equal(a[0].Data, b[0].Data) {
			t.Fatal("the same payload encrypted twice gave the same bytes: the nonce is not random")
		}
		if bytes.Equal(a[0].Data[:nonceSize], a[1].Data[:nonceSize]) {
			t.Fatal("nonce reused")
		}
		for _, p := range append(a, b...) {
			if bytes.Contains(p.Data, []byte(cardNumber)) || bytes.Contains(p.Data, in[0].Data) {
				t.Fatal("ciphertext contains the plaintext")
			}
		}
	}
}

func TestDecodeRejectsTampering(t *testing.T) {
	k1, k2 := testKey(t, "k1"), testKey(t, "k2")
	c := New(testKeyring(t, k1, k2))
	enc, err := c.Encode([]*commonpb.Payload{jsonPayload(cardNumber)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		tamper func(p *commonpb.Payload)
		want   error
	}{
		{"flipped nonce bit", func(p *commonpb.Payload) { p.Data[0] ^= 1 }, ErrAuthentication},
		{"flipped ciphertext bit", func(p *commonpb.Payload) { p.Data[nonceSize+2] ^= 0x80 }, ErrAuthentication},
		{"flipped tag bit", func(p *commonpb.Payload) { p.Data[len(p.Data)-1] ^= 1 }, ErrAuthentication},
		{"appended byte", func(p *commonpb.Payload) { p.Data = append(p.Data, 0) }, ErrAuthentication},
		{"key id switched to another key", func(p *commonpb.Payload) { p.Metadata[MetadataKeyID] = []byte("k2") }, ErrAuthentication},
		{"compression flag added", func(p *commonpb.Payload) { p.Metadata[MetadataCompression] = []byte("zlib") }, ErrAuthentication},
		{"unknown compression", func(p *commonpb.Payload) { p.Metadata[MetadataCompression] = []byte("lz4") }, ErrMalformed},
		{"truncated", func(p *commonpb.Payload) { p.Data = p.Data[:nonceSize+3] }, ErrMalformed},
		{"no key id", func(p *commonpb.Payload) { delete(p.Metadata, MetadataKeyID) }, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := proto.Clone(enc[0]).(*commonpb.Payload)
			tt.tamper(p)
			out, err := c.Decode([]*commonpb.Payload{p})
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, %v; want %v", out, err, tt.want)
			}
			if strings.Contains(err.Error(), cardNumber) {
				t.Fatalf("error reveals the plaintext: %v", err)
			}
		})
	}
}

func TestKeyRotation(t *testing.T) {
	k1, k2 := testKey(t, "k1"), testKey(t, "k2")
	before := New(testKeyring(t, k1))
	after := New(testKeyring(t, k2, k1))

	old, err := DataConverter(before).ToPayload(webhookBody{Card: cardNumber})
	if err != nil {
		t.Fatal(err)
	}
	assertEncrypted(t, old, "k1")

	var got webhookBody
	if err := DataConverter(after).FromPayload(old, &got); err != nil || got.Card != cardNumber {
		t.Fatalf("a payload from before the rotation: got %+v, %v", got, err)
	}

	fresh, err := DataConverter(after).ToPayload(webhookBody{Card: cardNumber})
	if err != nil {
		t.Fatal(err)
	}
	assertEncrypted(t, fresh, "k2")

	// A process still on the old keyring cannot read what the new one wrote,
	// and says which key it lacks.
	_, err = before.Decode([]*commonpb.Payload{fresh})
	if !errors.Is(err, ErrUnknownKey) || !strings.Contains(err.Error(), "k2") {
		t.Fatalf("got %v, want ErrUnknownKey naming k2", err)
	}
}

func TestDecodeUnknownKey(t *testing.T) {
	c := New(testKeyring(t, testKey(t, "k2"), testKey(t, "k1")))
	other := New(testKeyring(t, testKey(t, "k0")))
	enc, err := other.Encode([]*commonpb.Payload{jsonPayload(cardNumber)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Decode(enc)
	if !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("got %v, want ErrUnknownKey", err)
	}
	for _, want := range []string{"k0", "k2, k1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}

	t.Run("ill-formed id is not echoed", func(t *testing.T) {
		p := proto.Clone(enc[0]).(*commonpb.Payload)
		p.Metadata[MetadataKeyID] = []byte("<script>alert(1)</script>")
		_, err := c.Decode([]*commonpb.Payload{p})
		if !errors.Is(err, ErrUnknownKey) || strings.Contains(err.Error(), "script") {
			t.Fatalf("got %v", err)
		}
	})
}

func TestDecodePassesThroughUnencrypted(t *testing.T) {
	c := New(testKeyring(t, testKey(t, "k1")))
	encrypted, err := c.Encode([]*commonpb.Payload{jsonPayload("secret")})
	if err != nil {
		t.Fatal(err)
	}
	zlibbed, err := converter.NewZlibCodec(converter.ZlibCodecOptions{AlwaysEncode: true}).Encode([]*commonpb.Payload{jsonPayload("z")})
	if err != nil {
		t.Fatal(err)
	}
	plain := []*commonpb.Payload{
		jsonPayload(cardNumber),
		{Metadata: map[string][]byte{converter.MetadataEncoding: []byte(converter.MetadataEncodingNil)}},
		{Metadata: map[string][]byte{converter.MetadataEncoding: []byte(converter.MetadataEncodingBinary)}, Data: []byte{1, 2, 3}},
		zlibbed[0],
		{}, // no metadata at all
	}
	in := append(append([]*commonpb.Payload{}, plain...), encrypted[0])
	out, err := c.Decode(in)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range plain {
		if out[i] != p {
			t.Errorf("payload %d was not passed through unchanged", i)
		}
	}
	if !proto.Equal(out[len(plain)], jsonPayload("secret")) {
		t.Errorf("the encrypted payload among them: got %v", out[len(plain)])
	}
	if in[len(plain)] != encrypted[0] {
		t.Error("Decode changed its input slice")
	}

	// A history written before encryption was turned on still reads
	// through the data converter.
	var s string
	if err := DataConverter(c).FromPayload(jsonPayload("before"), &s); err != nil || s != "before" {
		t.Fatalf("got %q, %v", s, err)
	}
}

func TestNewPanicsWithoutKeyring(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("New(nil) did not panic")
		}
	}()
	New(nil)
}
