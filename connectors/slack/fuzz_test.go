package slack_test

import (
	"testing"

	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/slack"
	"github.com/junction-run/junction/connectors/slack/slacktest"
)

// FuzzReceive fuzzes every webhook trigger's Receive: see
// connectortest.FuzzWebhooks for the properties checked.
func FuzzReceive(f *testing.F) {
	connectortest.FuzzWebhooks(f, slack.New(), slacktest.New(f))
}
