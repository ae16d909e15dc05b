package slacktest

import (
	"net/http"
	"strconv"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/slack"
)

// Slack's documented example (Verifying requests from Slack): a slash
// command's form body, its timestamp, the signing secret and the
// signature Slack sent.
const (
	DocSecret    = "8f742231b10e8888abcd99yyyzzz85a5"
	DocTimestamp = "1531420618"
	DocBody      = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	DocSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
)

// DocHeader returns the headers of Slack's documented example.
func DocHeader() http.Header {
	h := http.Header{}
	h.Set(slack.HeaderTimestamp, DocTimestamp)
	h.Set(slack.HeaderSignature, DocSignature)
	return h
}

// DocTime is the documented example's timestamp plus offset.
func DocTime(offset time.Duration) time.Time {
	ts, _ := strconv.ParseInt(DocTimestamp, 10, 64)
	return time.Unix(ts, 0).Add(offset)
}

var _ connectortest.WebhookSigner = (*Server)(nil)

// WebhookVectors returns Slack's documented example, received ten seconds
// after it was signed.
func (s *Server) WebhookVectors() []connectortest.WebhookVector {
	return []connectortest.WebhookVector{{Name: "Slack's docs: Verifying requests from Slack", Trigger: "event",
		Delivery: connectors.Delivery{Header: DocHeader(), Body: []byte(DocBody), Now: DocTime(10 * time.Second),
			Secrets: []string{DocSecret}}}}
}

// SignWebhook makes the Events API request Slack sends: the JSON body with
// X-Slack-Request-Timestamp at and X-Slack-Signature under secret.
func (s *Server) SignWebhook(_ string, payload []byte, secret, _ string, at time.Time) connectortest.SignedDelivery {
	h := slack.SignedHeader(payload, secret, at)
	h.Set("Content-Type", "application/json")
	return connectortest.SignedDelivery{Delivery: connectors.Delivery{Header: h, Body: payload, Now: at},
		BodySigned: true, Timestamped: true}
}
