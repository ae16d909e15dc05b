package connectortest_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/junction-run/junction/connectors/connectortest"
)

func TestOutbox(t *testing.T) {
	var o connectortest.Outbox[string]
	number := func(sent []string) (string, error) { return string(rune('a' + len(sent))), nil }
	if m, err := o.Add(number); m != "a" || err != nil {
		t.Fatalf("first Add = %q, %v", m, err)
	}
	o.Keep("kept")
	refused := errors.New("refused")
	if _, err := o.Add(func([]string) (string, error) { return "x", refused }); !errors.Is(err, refused) {
		t.Fatalf("refused Add: %v", err)
	}
	if m, _ := o.Add(number); m != "c" {
		t.Errorf("third message numbered %q, want c: a refused one is not kept", m)
	}
	got := o.Messages()
	if want := []string{"a", "kept", "c"}; !slices.Equal(got, want) {
		t.Fatalf("Messages = %q, want %q", got, want)
	}
	got[0] = "changed"
	if o.Messages()[0] != "a" {
		t.Error("Messages shares its list with the outbox")
	}
	if m, ok := o.Find(func(m string) bool { return m == "kept" }); !ok || m != "kept" {
		t.Errorf("Find = %q, %t", m, ok)
	}
	if _, ok := o.Find(func(m string) bool { return m == "x" }); ok {
		t.Error("Find found a refused message")
	}
}
