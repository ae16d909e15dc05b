package definition

import (
	"errors"
	"strings"
	"testing"
)

func TestAppTriggerNeedsItsConnection(t *testing.T) {
	const steps = `"definition": {"name": "n", "steps": [{"id": "a", "stepType": "Wait", "inputs": {"duration": "PT1S"}}]}`
	for name, tc := range map[string]struct {
		head string
		want string // "" for valid
	}{
		"app trigger with connection":  {`"trigger": "shopify.orders_create", "triggerConnection": "c-1"`, ""},
		"app trigger alone":            {`"trigger": "shopify.orders_create"`, "triggerConnection: is required with an app trigger"},
		"connection on http_request":   {`"trigger": "http_request", "triggerConnection": "c-1"`, "triggerConnection: goes only with an app trigger"},
		"not a trigger":                {`"trigger": "Shopify.Orders"`, "trigger: must be one of"},
		"connection not a string":      {`"trigger": "shopify.orders_create", "triggerConnection": 7`, "triggerConnection"},
		"poll from now":                {`"trigger": "shopify.new_orders", "triggerConnection": "c-1", "pollFrom": "now"`, ""},
		"poll from oldest":             {`"trigger": "shopify.new_orders", "triggerConnection": "c-1", "pollFrom": "oldest"`, ""},
		"poll from yesterday":          {`"trigger": "shopify.new_orders", "triggerConnection": "c-1", "pollFrom": "yesterday"`, "pollFrom: must be \"oldest\" or \"now\""},
		"poll from on http_request":    {`"trigger": "http_request", "pollFrom": "now"`, "pollFrom: goes only with an app's polling trigger"},
		"poll every 15 minutes":        {`"trigger": "shopify.new_orders", "triggerConnection": "c-1", "pollInterval": "15m"`, ""},
		"poll every minute, ISO 8601":  {`"trigger": "shopify.new_orders", "triggerConnection": "c-1", "pollInterval": "PT1M"`, ""},
		"poll every 30 seconds":        {`"trigger": "shopify.new_orders", "triggerConnection": "c-1", "pollInterval": "30s"`, "pollInterval: must be at least 1m"},
		"poll every so often":          {`"trigger": "shopify.new_orders", "triggerConnection": "c-1", "pollInterval": "often"`, "pollInterval: invalid duration"},
		"poll interval not a string":   {`"trigger": "shopify.new_orders", "triggerConnection": "c-1", "pollInterval": 300`, "pollInterval"},
		"poll interval on inbound_sms": {`"trigger": "inbound_sms", "pollInterval": "5m"`, "pollInterval: goes only with an app's polling trigger"},
	} {
		t.Run(name, func(t *testing.T) {
			doc, err := Parse([]byte(`{` + tc.head + `, ` + steps + `}`))
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if doc.TriggerConnection != "c-1" {
					t.Errorf("triggerConnection %q", doc.TriggerConnection)
				}
				return
			}
			var verr *ValidationError
			if !errors.As(err, &verr) || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(verr.Errors[0].Path, strings.Fields(tc.want)[0][:7]) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
	if app, id, ok := AppTrigger("shopify.new_orders"); !ok || app != "shopify" || id != "new_orders" {
		t.Errorf("AppTrigger = %s %s %v", app, id, ok)
	}
}
