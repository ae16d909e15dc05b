package eightbyeight_test

import (
	"testing"

	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/eightbyeight"
	"github.com/junction-run/junction/connectors/eightbyeight/eightbyeighttest"
)

// FuzzReceive fuzzes every webhook trigger's Receive: see
// connectortest.FuzzWebhooks for the properties checked.
func FuzzReceive(f *testing.F) {
	connectortest.FuzzWebhooks(f, eightbyeight.New(), eightbyeighttest.NewServer(f))
}
