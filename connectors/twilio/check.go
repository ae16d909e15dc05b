package twilio

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/junction-run/junction/connectors"
)

// check fetches the account resource (GET /2010-04-01/Accounts/{Sid}.json),
// which the Account SID and Auth Token may always read.
func check(ctx context.Context, call connectors.Call) error {
	sid := call.Connection.Fields[connectors.FieldUsername]
	if !accountSidPattern.MatchString(sid) {
		return connectors.Errorf(connectors.BadRequest, "the connection's user name is not a Twilio Account SID (AC followed by 32 hexadecimal digits)")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, APIBase+"/2010-04-01/Accounts/"+sid+".json", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := call.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("reading the twilio account: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("reading the twilio account: %w", err)
	}
	if e := errorFrom(resp, raw); e != nil {
		return e
	}
	return nil
}
