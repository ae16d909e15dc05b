package connectortest_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/connectortest"
)

// memorySource is a third party's list of items in memory, ids 1, 2, ...
type memorySource struct{ n int }

func (m *memorySource) AddPollItem(string) (string, error) {
	m.n++
	return strconv.Itoa(m.n), nil
}

var ticketTrigger = connectors.TriggerSpec{
	ID: "new_ticket", Name: "New ticket", Kind: connectors.TriggerPolling, Description: "A ticket was opened.",
	Payload:       connectors.MustSchema(`{"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}`),
	SamplePayload: []byte(`{"id": 1}`), IDPointer: "/id",
}

// ticketPoller polls src, with a fault the test picks.
func ticketPoller(src *memorySource, fault string) connectors.Poller {
	return connectors.PollFunc{ID: ticketTrigger.ID, Fn: func(_ context.Context, _ connectors.Call, cursor string) (connectors.PollResult, error) {
		since, _ := strconv.Atoi(cursor)
		if fault == "ignores the cursor" {
			since = 0
		}
		res := connectors.PollResult{Cursor: cursor}
		for id := since + 1; id <= src.n; id++ {
			payload := fmt.Sprintf(`{"id": %d}`, id)
			if fault == "wrong ids" {
				payload = fmt.Sprintf(`{"id": %d}`, id+100)
			}
			if fault == "off the schema" {
				payload = fmt.Sprintf(`{"id": %d, "extra": true}`, id)
				payload = strings.Replace(payload, fmt.Sprintf(`"id": %d`, id), fmt.Sprintf(`"id": "%d"`, id), 1)
			}
			res.Items = append(res.Items, connectors.PollItem{ID: strconv.Itoa(id), Payload: []byte(payload), Cursor: strconv.Itoa(id)})
			res.Cursor = strconv.Itoa(id)
		}
		if fault == "no cursor" {
			res.Cursor = ""
		}
		return res, nil
	}}
}

func TestCheckPollerCatches(t *testing.T) {
	for _, tc := range []struct{ fault, want string }{
		{"", ""},
		{"ignores the cursor", "found item 1 again"},
		{"wrong ids", "has 101 at /id"},
		{"off the schema", "does not match the payload schema"},
		{"no cursor", "returned no cursor"},
	} {
		t.Run(cmpOr(tc.fault, "well behaved"), func(t *testing.T) {
			src := &memorySource{n: 2}
			err := connectortest.CheckPoller(t.Context(), ticketTrigger, ticketPoller(src, tc.fault), connectors.Call{}, src)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("a well-behaved poller: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
