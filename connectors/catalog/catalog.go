// Package catalog is the set of connectors Junction ships: the one registry
// the worker registers activities from, the gateway validates definitions
// and serves the manifest from, and the docs are generated from.
package catalog

import (
	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/eightbyeight"
	"github.com/junction-run/junction/connectors/httpconn"
	"github.com/junction-run/junction/connectors/shopify"
	"github.com/junction-run/junction/connectors/slack"
	"github.com/junction-run/junction/connectors/telegram"
	"github.com/junction-run/junction/connectors/twilio"
	"github.com/junction-run/junction/connectors/woocommerce"
)

// New returns a registry holding every built-in connector. It panics only
// when a built-in connector's spec is invalid, which the tests catch.
func New() *connectors.Registry {
	r := connectors.NewRegistry()
	r.MustRegister(httpconn.Connector())
	r.MustRegister(eightbyeight.New())
	r.MustRegister(shopify.New())
	r.MustRegister(slack.New())
	r.MustRegister(telegram.New())
	r.MustRegister(twilio.New())
	r.MustRegister(woocommerce.New())
	return r
}
