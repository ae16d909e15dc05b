// Package fakes stands in for the third parties of the e-commerce
// examples, so that anyone can run them without accounts: Shopify (the
// Shopify connector's test fake), Eshopbox, Delhivery and Shiprocket
// (packages eshopbox, delhivery, shiprocket), each an http.Handler that
// speaks its third party's documented wire format with its state in
// memory, plus a control API under /_fake/ (package control) to raise
// events and read state. `junction fakes` serves them on loopback ports;
// the devstack tests serve them on httptest servers.
//
// The fakes are for development and tests only: no production code
// imports this package.
package fakes

import (
	"net/http"
	"strings"

	"github.com/junction-run/junction/internal/fakes/delhivery"
	"github.com/junction-run/junction/internal/fakes/eshopbox"
	"github.com/junction-run/junction/internal/fakes/shiprocket"
)

// Set is the four fakes, wired as their third parties are: a shipment
// Eshopbox packs for Delhivery is manifested with Delhivery, which can then
// scan it.
type Set struct {
	Shopify    *Shopify
	Eshopbox   *eshopbox.Fake
	Delhivery  *delhivery.Fake
	Shiprocket *shiprocket.Fake
}

// New returns the four fakes, seeded.
func New() *Set {
	s := &Set{Shopify: NewShopify(), Eshopbox: eshopbox.New(), Delhivery: delhivery.New(), Shiprocket: shiprocket.New()}
	s.Eshopbox.OnPacked = func(o eshopbox.Order) {
		if strings.EqualFold(o.Shipment.CourierName, "Delhivery") {
			s.Delhivery.Manifest(o.Shipment.TrackingID, o.CustomerOrderNumber, o.ShippingAddress.CustomerName)
		}
	}
	return s
}

// Close stops every delivery still being retried.
func (s *Set) Close() {
	s.Shopify.Close()
	s.Eshopbox.Close()
	s.Delhivery.Close()
	s.Shiprocket.Close()
}

// Fake is one fake of the set, for the command that serves them.
type Fake struct {
	ThirdParty
	Handler Handler
}

// Handler serves a fake and records where it is served.
type Handler interface {
	http.Handler
	SetBaseURL(string)
}

// ThirdParty names a third party the set stands in for, and its API
// hosts, each with its subdomains, that `junction dev --redirect-host`
// sends to its fake.
type ThirdParty struct {
	Name  string
	Hosts []string
}

// ThirdParties are the set's third parties, in the order of Fakes.
var ThirdParties = []ThirdParty{
	{Name: "shopify", Hosts: []string{"myshopify.com"}},
	{Name: "eshopbox", Hosts: []string{"eshopbox.com", "myeshopbox.com"}},
	{Name: "delhivery", Hosts: []string{"delhivery.com"}},
	{Name: "shiprocket", Hosts: []string{"shiprocket.in"}},
}

// Fakes lists the set's fakes, in the order of ThirdParties.
func (s *Set) Fakes() []Fake {
	handlers := []Handler{s.Shopify, s.Eshopbox, s.Delhivery, s.Shiprocket}
	out := make([]Fake, len(ThirdParties))
	for i, tp := range ThirdParties {
		out[i] = Fake{ThirdParty: tp, Handler: handlers[i]}
	}
	return out
}
