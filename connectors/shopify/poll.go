package shopify

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"

	"github.com/junction-run/junction/connectors"
)

// pollMaxPages bounds one poll: at most 10 pages of 250 orders.
const pollMaxPages = 10

// PollNewOrders is the new_orders trigger: it asks for orders of any
// status with an id above cursor (since_id; "" or "0" for the first order
// ever), oldest first, and returns them with the cursor to poll from next
// time, the greatest id seen (cursor itself when there is nothing new). One
// poll reads at most 2,500 orders; the rest come on the next poll.
func PollNewOrders(ctx context.Context, call connectors.Call, cursor string) ([]Order, string, error) {
	raw, next, _, err := pollOrders(ctx, call, cursor)
	if err != nil {
		return nil, cursor, err
	}
	orders := make([]Order, 0, len(raw))
	for _, r := range raw {
		var o Order
		if err := json.Unmarshal(r.json, &o); err != nil {
			return nil, cursor, fmt.Errorf("shopify: decoding order %d: %w", r.id, err)
		}
		orders = append(orders, o)
	}
	return orders, next, nil
}

// rawOrder is an order as Shopify sent it, every field kept, with its id.
type rawOrder struct {
	id   int64
	json json.RawMessage
}

// pollOrders fetches the orders after cursor as Shopify sent them, sorted
// by id, the next cursor, and whether more orders remain than one poll
// reads.
func pollOrders(ctx context.Context, call connectors.Call, cursor string) (orders []rawOrder, next string, more bool, err error) {
	var since int64
	if cursor != "" {
		n, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil || n < 0 {
			return nil, cursor, false, connectors.Errorf(connectors.BadRequest, "cursor %q is not a since_id", cursor)
		}
		since = n
	}
	c, err := newClient(call)
	if err != nil {
		return nil, cursor, false, err
	}
	q := url.Values{"status": {"any"}, "limit": {strconv.Itoa(maxLimit)}}
	if since > 0 {
		q.Set("since_id", strconv.FormatInt(since, 10))
	}
	_, pageInfo, err := c.list(ctx, "polling new orders", c.url("/orders.json", q), pollMaxPages, func(raw []byte) error {
		var page struct {
			Orders []json.RawMessage `json:"orders"`
		}
		if err := json.Unmarshal(raw, &page); err != nil {
			return err
		}
		for _, o := range page.Orders {
			var id struct {
				ID int64 `json:"id"`
			}
			if err := json.Unmarshal(o, &id); err != nil || id.ID <= 0 {
				return fmt.Errorf("an order without an integer id: %.100s", o)
			}
			orders = append(orders, rawOrder{id: id.ID, json: o})
		}
		return nil
	})
	if err != nil {
		return nil, cursor, false, err
	}
	// since_id lists oldest first already; sorting keeps the cursors of
	// the items in order whatever a page does.
	slices.SortFunc(orders, func(a, b rawOrder) int { return cmp.Compare(a.id, b.id) })
	top := since
	for _, o := range orders {
		top = max(top, o.id)
	}
	if top == since {
		return orders, cursor, pageInfo != "", nil
	}
	return orders, strconv.FormatInt(top, 10), pageInfo != "", nil
}

// pollers are the code of the polling triggers: new_orders over
// pollOrders, each order delivered as Shopify sent it, with its id as its
// own cursor (since_id resumes after any order).
func pollers(spec connectors.Spec) []connectors.Poller {
	var out []connectors.Poller
	for _, t := range spec.Triggers {
		if t.ID != "new_orders" || t.Kind != connectors.TriggerPolling {
			continue
		}
		out = append(out, connectors.PollFunc{ID: t.ID, Fn: func(ctx context.Context, call connectors.Call, cursor string) (connectors.PollResult, error) {
			orders, next, more, err := pollOrders(ctx, call, cursor)
			if err != nil {
				return connectors.PollResult{}, err
			}
			res := connectors.PollResult{Cursor: next, More: more, Items: make([]connectors.PollItem, 0, len(orders))}
			for _, o := range orders {
				item, err := connectors.PollItemOf(t, o.json, strconv.FormatInt(o.id, 10))
				if err != nil {
					return connectors.PollResult{}, err
				}
				res.Items = append(res.Items, item)
			}
			return res, nil
		}})
	}
	return out
}
