package shopifytest

import (
	"fmt"
	"strconv"
	"time"

	"github.com/junction-run/junction/connectors/connectortest"
)

// AddOrder stores an order as if a customer had placed it, filling in what
// Shopify fills in (id, name, number, GraphQL id, currency, financial
// status paid, line item ids, times), and returns it. Its id is greater than every id
// before it, as Shopify's are.
func (s *Server) AddOrder(o Order) Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o.ID == 0 {
		o.ID = s.id()
	}
	if o.OrderNumber == 0 {
		o.OrderNumber = 1000 + len(s.orders) + 1
	}
	if o.Name == "" {
		o.Name = "#" + strconv.Itoa(o.OrderNumber)
	}
	o.AdminGraphQLAPIID = fmt.Sprintf("gid://shopify/Order/%d", o.ID)
	if o.FinancialStatus == "" {
		o.FinancialStatus = "paid"
	}
	if o.Currency == "" {
		o.Currency = "USD"
	}
	if o.TotalPrice == "" {
		o.TotalPrice = "0.00"
	}
	if o.NoteAttributes == nil {
		o.NoteAttributes = []map[string]any{}
	}
	if o.LineItems == nil {
		o.LineItems = []LineItem{}
	}
	for i := range o.LineItems {
		if o.LineItems[i].ID == 0 {
			o.LineItems[i].ID = s.id()
		}
	}
	if o.CreatedAt.IsZero() {
		o.CreatedAt = time.Now().UTC().Truncate(time.Second)
	}
	if o.UpdatedAt.IsZero() {
		o.UpdatedAt = o.CreatedAt
	}
	s.orders = append(s.orders, &o)
	return o
}

var _ connectortest.PollSource = (*Server)(nil)

// AddPollItem adds an order for the new_orders trigger.
func (s *Server) AddPollItem(trigger string) (string, error) {
	if trigger != "new_orders" {
		return "", fmt.Errorf("shopifytest: no polling trigger %q", trigger)
	}
	o := s.AddOrder(Order{TotalPrice: "12.50"})
	return strconv.FormatInt(o.ID, 10), nil
}
