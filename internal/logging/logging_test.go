package logging

import (
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestTemporalLoggerKeepsEveryKeyValue(t *testing.T) {
	core, logs := observer.New(zap.DebugLevel)
	l := NewTemporalLogger(zap.New(core)).With("Namespace", "default")

	l.Info("started", "TaskQueue", "junction", 42, "answer", "dangling")

	entries := logs.All()
	if len(entries) != 1 || entries[0].Message != "started" {
		t.Fatalf("entries %+v", entries)
	}
	got := entries[0].ContextMap()
	want := map[string]any{"Namespace": "default", "TaskQueue": "junction", "42": "answer", "extra": "dangling"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("field %s = %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
}

func TestNewRejectsUnknownSettings(t *testing.T) {
	for _, tc := range []struct {
		format Format
		level  string
		ok     bool
	}{
		{FormatJSON, "info", true},
		{FormatConsole, "debug", true},
		{"", "warn", true},
		{"xml", "info", false},
		{FormatJSON, "loud", false},
	} {
		_, err := New(tc.format, tc.level)
		if (err == nil) != tc.ok {
			t.Errorf("New(%q, %q) error %v, want ok=%v", tc.format, tc.level, err, tc.ok)
		}
	}
}
