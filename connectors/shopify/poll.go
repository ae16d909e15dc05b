package shopify

import (
	"context"
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
	var since int64
	if cursor != "" {
		n, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil || n < 0 {
			return nil, cursor, connectors.Errorf(connectors.BadRequest, "cursor %q is not a since_id", cursor)
		}
		since = n
	}
	out, err := runSearchOrders(ctx, call, SearchOrdersInput{Status: "any", SinceID: since, Limit: maxLimit, MaxPages: pollMaxPages})
	if err != nil {
		return nil, cursor, err
	}
	next := since
	for _, o := range out.Orders {
		next = max(next, o.ID)
	}
	if next == since {
		return out.Orders, cursor, nil
	}
	return out.Orders, strconv.FormatInt(next, 10), nil
}
