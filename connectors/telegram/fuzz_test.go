package telegram_test

import (
	"testing"

	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/telegram"
	"github.com/junction-run/junction/connectors/telegram/telegramtest"
)

// FuzzReceive fuzzes every webhook trigger's Receive: see
// connectortest.FuzzWebhooks for the properties checked.
func FuzzReceive(f *testing.F) {
	connectortest.FuzzWebhooks(f, telegram.New(), telegramtest.New(f))
}
