package delhivery

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/connectortest"
)

// Scan pushes carry the headers the client asked Delhivery to send; the
// Delhivery app asks for this one, with the connection's webhook secret
// after its prefix.
const (
	WebhookHeader = "Authorization"
	WebhookPrefix = "Bearer "
)

var _ connectortest.WebhookSigner = (*Fake)(nil)

// WebhookVectors returns the sample scan of Delhivery's push
// documentation with an agreed Authorization header.
func (f *Fake) WebhookVectors() []connectortest.WebhookVector {
	const secret = "delhivery-push-example-secret"
	h := http.Header{}
	h.Set(WebhookHeader, WebhookPrefix+secret)
	body := `{"Shipment": {"Status": {"Status": "Manifested", "StatusDateTime": "2019-01-09T17:10:42.767", "StatusType": "UD",
		"StatusLocation": "Chandigarh_Raiprkln_C (Chandigarh)", "Instructions": "Manifest uploaded"},
		"PickUpDate": "2019-01-09T17:10:42.543", "NSLCode": "X-UCI", "Sortcode": "IXC/MDP", "ReferenceNo": "28", "AWB": "XXXXXXXXXXXX"}}`
	return []connectortest.WebhookVector{{Name: "Delhivery's sample scan push", Trigger: "scan_pushed",
		Delivery: connectors.Delivery{Header: h, Body: []byte(body), Secrets: []string{secret}}}}
}

// SignWebhook makes the push Delhivery sends with the agreed
// Authorization header.
func (f *Fake) SignWebhook(_ string, payload []byte, secret, _ string, at time.Time) connectortest.SignedDelivery {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(WebhookHeader, WebhookPrefix+secret)
	return connectortest.SignedDelivery{Delivery: connectors.Delivery{Header: h, Body: payload, Now: at}}
}

var _ connectortest.PollSource = (*Fake)(nil)

// AddPollItem gives the seeded package a new status, as a scan does (in
// transit, at another hub), for the app's status_changed trigger, which
// tracks it; the id is the one the trigger makes of the waybill and the
// status's time.
func (f *Fake) AddPollItem(trigger string) (string, error) {
	if trigger != "status_changed" {
		return "", fmt.Errorf("the fake has no items of trigger %q", trigger)
	}
	p, _, err := f.ScanPackage(context.Background(), SeededWaybill, "In Transit", "UD", "BLR_Hub (Karnataka)", "Shipment received at facility")
	if err != nil {
		return "", err
	}
	return connectors.JoinEventID(p.AWB, p.Status.StatusDateTime), nil
}
