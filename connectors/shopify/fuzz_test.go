package shopify_test

import (
	"testing"

	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/shopify"
	"github.com/junction-run/junction/connectors/shopify/shopifytest"
)

// FuzzReceive fuzzes every webhook trigger's Receive: see
// connectortest.FuzzWebhooks for the properties checked.
func FuzzReceive(f *testing.F) {
	connectortest.FuzzWebhooks(f, shopify.New(), shopifytest.New(f))
}
