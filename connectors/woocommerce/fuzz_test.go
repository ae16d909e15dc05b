package woocommerce_test

import (
	"testing"

	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/woocommerce"
	"github.com/junction-run/junction/connectors/woocommerce/woocommercetest"
)

// FuzzReceive fuzzes every webhook trigger's Receive: see
// connectortest.FuzzWebhooks for the properties checked.
func FuzzReceive(f *testing.F) {
	connectortest.FuzzWebhooks(f, woocommerce.New(), woocommercetest.New(f))
}
