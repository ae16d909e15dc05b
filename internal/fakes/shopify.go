package fakes

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/junction-run/junction/connectors/shopify"
	"github.com/junction-run/junction/connectors/shopify/shopifytest"
	"github.com/junction-run/junction/internal/fakes/control"
)

// Shopify is the fake of the Shopify connector's tests
// (connectors/shopify/shopifytest), with a control API to place orders
// as a customer would and send the orders/create webhook:
//
//	POST /_fake/orders        {"email", "phone", "line_items": [{"sku", "quantity"}], "shipping_address"}
//	                          place an order; send orders/create, signed with each subscription's secret
//	GET  /_fake/orders/{id}   the order, as the Admin API answers it (tags included)
//	GET  /_fake/variants/{sku} the variant with a SKU and its inventory levels
//
// Subscriptions (POST /_fake/webhooks) name a topic as their event
// (orders/create) and the app's client secret as their secret.
type Shopify struct {
	*shopifytest.Server
	hooks   *control.Hooks
	control *control.API
}

// NewShopify returns the Shopify fake, seeded as shopifytest's is.
func NewShopify() *Shopify {
	s := &Shopify{Server: shopifytest.NewHandler(), hooks: control.NewHooks()}
	s.control = control.NewAPI(s.hooks, &s.Server.Server.Failures)
	s.control.Handle("POST /_fake/orders", s.placeOrder)
	s.control.Handle("GET /_fake/orders/{id}", s.getOrder)
	s.control.Handle("GET /_fake/variants/{sku}", s.getVariant)
	return s
}

// Close stops the deliveries still being retried.
func (s *Shopify) Close() { s.hooks.Close() }

// Hooks are the fake's webhook subscriptions and deliveries.
func (s *Shopify) Hooks() *control.Hooks { return s.hooks }

// ServeHTTP serves the Admin API and the control routes.
func (s *Shopify) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if control.Is(r) {
		s.control.ServeHTTP(w, r)
		return
	}
	s.Server.ServeHTTP(w, r)
}

// triggerOf is the shopify connector's trigger id of each webhook topic.
var triggerOf = func() map[string]string {
	m := map[string]string{}
	for trigger, topic := range shopify.TriggerTopics {
		m[topic] = trigger
	}
	return m
}()

// sign signs a delivery of topic as Shopify does, with the
// subscription's secret.
func (s *Shopify) sign(topic string) control.Signer {
	return func(sub control.Subscription, body []byte) http.Header {
		return s.SignWebhook(triggerOf[topic], body, sub.Secret, sub.URL, time.Now()).Header
	}
}

// OrderLine is a line of an order PlaceOrder places: a variant by its
// SKU.
type OrderLine struct {
	SKU      string `json:"sku"`
	Quantity int    `json:"quantity"`
}

// NewOrder is what a customer orders.
type NewOrder struct {
	Email           string               `json:"email"`
	Phone           string               `json:"phone"`
	LineItems       []OrderLine          `json:"line_items"`
	ShippingAddress *shopifytest.Address `json:"shipping_address"`
}

// PlaceOrder stores an order as if a customer had checked out, and sends
// orders/create to its subscribers. It returns the order and the
// deliveries.
func (s *Shopify) PlaceOrder(ctx context.Context, in NewOrder) (shopifytest.Order, []control.Delivery, error) {
	if len(in.LineItems) == 0 {
		return shopifytest.Order{}, nil, fmt.Errorf("line_items: at least one is needed")
	}
	o := shopifytest.Order{ShippingAddress: in.ShippingAddress, FinancialStatus: "paid"}
	if in.Email != "" {
		o.Email = &in.Email
	}
	if in.Phone != "" {
		o.Phone = &in.Phone
	}
	var total float64
	for i, line := range in.LineItems {
		p, v, ok := s.variant(line.SKU)
		if !ok {
			return shopifytest.Order{}, nil, fmt.Errorf("line_items[%d].sku: no variant has SKU %q", i, line.SKU)
		}
		if line.Quantity < 1 {
			return shopifytest.Order{}, nil, fmt.Errorf("line_items[%d].quantity: must be at least 1", i)
		}
		vid, pid := v.ID, p.ID
		o.LineItems = append(o.LineItems, shopifytest.LineItem{VariantID: &vid, ProductID: &pid,
			Title: p.Title, SKU: v.SKU, Quantity: line.Quantity, Price: v.Price, FulfillableQuantity: line.Quantity})
		price, _ := strconv.ParseFloat(v.Price, 64)
		total += price * float64(line.Quantity)
	}
	o.TotalPrice = strconv.FormatFloat(total, 'f', 2, 64)
	o = s.AddOrder(o)
	body, err := json.Marshal(o)
	if err != nil {
		return shopifytest.Order{}, nil, fmt.Errorf("encoding the order: %w", err)
	}
	return o, s.hooks.Deliver(ctx, shopify.TopicOrdersCreate, body, s.sign(shopify.TopicOrdersCreate)), nil
}

// variant finds the variant with a SKU.
func (s *Shopify) variant(sku string) (shopifytest.Product, shopifytest.Variant, bool) {
	for _, p := range s.Products() {
		for _, v := range p.Variants {
			if strings.EqualFold(v.SKU, sku) {
				return p, v, true
			}
		}
	}
	return shopifytest.Product{}, shopifytest.Variant{}, false
}

func (s *Shopify) placeOrder(w http.ResponseWriter, r *http.Request) {
	var in NewOrder
	if !control.Decode(w, r, &in) {
		return
	}
	o, deliveries, err := s.PlaceOrder(r.Context(), in)
	if err != nil {
		field, msg, _ := strings.Cut(err.Error(), ": ")
		control.WriteError(w, http.StatusBadRequest, field, msg)
		return
	}
	control.WriteJSON(w, http.StatusCreated, map[string]any{"order": o, "deliveries": deliveries})
}

func (s *Shopify) getOrder(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	o, ok := s.Order(id)
	if err != nil || !ok {
		control.WriteError(w, http.StatusNotFound, "id", "no such order")
		return
	}
	control.WriteJSON(w, http.StatusOK, map[string]any{"order": o})
}

// VariantLevels is a variant and its inventory level at each location.
type VariantLevels struct {
	SKU             string                       `json:"sku"`
	ProductID       int64                        `json:"product_id"`
	VariantID       int64                        `json:"variant_id"`
	InventoryItemID int64                        `json:"inventory_item_id"`
	Levels          []shopifytest.InventoryLevel `json:"inventory_levels"`
}

// Variant returns the variant with a SKU and its inventory level at the
// seeded location.
func (s *Shopify) Variant(sku string) (VariantLevels, bool) {
	p, v, ok := s.variant(sku)
	if !ok {
		return VariantLevels{}, false
	}
	out := VariantLevels{SKU: v.SKU, ProductID: p.ID, VariantID: v.ID, InventoryItemID: v.InventoryItemID, Levels: []shopifytest.InventoryLevel{}}
	if l, ok := s.InventoryLevel(v.InventoryItemID, shopifytest.LocationID); ok {
		out.Levels = append(out.Levels, l)
	}
	return out, true
}

func (s *Shopify) getVariant(w http.ResponseWriter, r *http.Request) {
	v, ok := s.Variant(r.PathValue("sku"))
	if !ok {
		control.WriteError(w, http.StatusNotFound, "sku", "no variant has this SKU")
		return
	}
	control.WriteJSON(w, http.StatusOK, v)
}
