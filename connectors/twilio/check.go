package twilio

import (
	"context"
	"fmt"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/egress"
)

// check fetches the account resource (GET /2010-04-01/Accounts/{Sid}.json),
// which the Account SID and Auth Token may always read.
func check(ctx context.Context, call connectors.Call) error {
	sid := call.Connection.Fields[connectors.FieldUsername]
	if !accountSidPattern.MatchString(sid) {
		return connectors.Errorf(connectors.BadRequest, "the connection's user name is not a Twilio Account SID (AC followed by 32 hexadecimal digits)")
	}
	_, err := egress.JSON(ctx, call.HTTP, egress.Request{URL: APIBase + "/2010-04-01/Accounts/" + sid + ".json"}, nil)
	if err != nil {
		return fmt.Errorf("reading the twilio account: %w", connectors.HTTPError(err, errorFrom))
	}
	return nil
}
