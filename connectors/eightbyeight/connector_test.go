package eightbyeight_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/auth"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/eightbyeight"
	"github.com/junction-run/junction/connectors/eightbyeight/eightbyeighttest"
)

func options(region string) connectortest.Options {
	o := connectortest.Options{
		Connection: connectors.Connection{
			AuthKind: connectors.AuthBearer,
			Secrets:  connectors.SecretValues{connectors.FieldToken: eightbyeighttest.DefaultAPIKey},
		},
		Authenticate: func(next http.RoundTripper) http.RoundTripper {
			return auth.Bearer(eightbyeighttest.DefaultAPIKey).Transport(next)
		},
	}
	if region != "" {
		o.Connection.Properties = map[string]string{eightbyeight.PropertyRegion: region}
	}
	return o
}

func TestConformance(t *testing.T) {
	connectortest.RunWith(t, eightbyeight.New(), eightbyeighttest.NewServer(t), options(""))
}

// run runs one action of the connector against the fake, through the
// registry as the activity does.
func run(t *testing.T, fake *eightbyeighttest.Server, opts connectortest.Options, action, input string) (any, error) {
	t.Helper()
	return connectortest.Action(t, eightbyeight.New(), action).Run(t.Context(), opts.Call(t, fake.BaseURL(), input))
}

func TestSendSMSAction(t *testing.T) {
	fake := eightbyeighttest.NewServer(t)
	out, err := run(t, fake, options(""), "send_sms", `{"subAccountId":"Acme_SMS","destination":"+6512345678","text":"héllo","clientMessageId":"o-1"}`)
	if err != nil {
		t.Fatal(err)
	}
	res := out.(eightbyeight.MessageResult)
	msgs := fake.Messages()
	if len(msgs) != 1 || msgs[0].Channel != eightbyeighttest.ChannelSMS || msgs[0].SubAccountID != "Acme_SMS" || msgs[0].SMS.Text != "héllo" {
		t.Fatalf("the fake got %+v", msgs)
	}
	if res.UMID != msgs[0].UMID || res.Status != eightbyeight.SMSStatusQueued || res.ClientMessageID != "o-1" ||
		res.Destination != "+6512345678" || res.Encoding != "GSM7" || res.RequestID == "" {
		t.Errorf("result %+v", res)
	}
}

func TestSendChatAppsAction(t *testing.T) {
	fake := eightbyeighttest.NewServer(t)
	out, err := run(t, fake, options("asia-pacific"), "send_chat_apps_message",
		`{"subAccountId":"Acme_CA","user":{"msisdn":"+6512345678"},"type":"text","content":{"text":"Hi"}}`)
	if err != nil {
		t.Fatal(err)
	}
	res := out.(eightbyeight.MessageResult)
	msgs := fake.Messages()
	if len(msgs) != 1 || msgs[0].Channel != eightbyeighttest.ChannelChatApps || msgs[0].ChatApps.Content["text"] != "Hi" {
		t.Fatalf("the fake got %+v", msgs)
	}
	if res.UMID != msgs[0].UMID || res.Status != eightbyeight.ChatAppsStateQueued || res.Destination != "+6512345678" {
		t.Errorf("result %+v", res)
	}
}

func TestActionErrors(t *testing.T) {
	tests := []struct {
		name     string
		opts     connectortest.Options
		fail     int
		input    string
		kind     connectors.ErrorKind
		status   int
		contains string
	}{
		{name: "a wrong key is 8x8's 1200", opts: func() connectortest.Options {
			o := options("")
			o.Authenticate = func(next http.RoundTripper) http.RoundTripper { return auth.Bearer("wrong").Transport(next) }
			return o
		}(), input: `{"subAccountId":"Acme_SMS","destination":"+6512345678","text":"x"}`,
			kind: connectors.Unauthorized, status: 401, contains: "8x8 error 1200"},
		{name: "8x8's validation is a 400 with its code", opts: options(""),
			input: `{"subAccountId":"Acme_SMS","destination":"12","text":"x"}`,
			kind:  connectors.BadRequest, status: 400, contains: "8x8 error 1002"},
		{name: "a bad subaccount is refused before sending", opts: options(""),
			input: `{"subAccountId":"a b","destination":"+6512345678","text":"x"}`,
			kind:  connectors.BadRequest, contains: "subAccountId"},
		{name: "an unknown region", opts: options("mars"),
			input: `{"subAccountId":"Acme_SMS","destination":"+6512345678","text":"x"}`,
			kind:  connectors.BadRequest, contains: "region"},
		{name: "an empty text is refused before sending", opts: options(""),
			input: `{"subAccountId":"Acme_SMS","destination":"+6512345678","text":""}`,
			kind:  connectors.BadRequest, contains: "text is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := eightbyeighttest.NewServer(t)
			_, err := run(t, fake, tt.opts, "send_sms", tt.input)
			var ce *connectors.Error
			if !errors.As(err, &ce) {
				t.Fatalf("err %v, want a *connectors.Error", err)
			}
			if ce.Kind != tt.kind || ce.StatusCode != tt.status || !strings.Contains(ce.Message, tt.contains) {
				t.Errorf("error %+v, want %s %d containing %q", ce, tt.kind, tt.status, tt.contains)
			}
			if strings.Contains(err.Error(), eightbyeighttest.DefaultAPIKey) {
				t.Error("the error quotes the key")
			}
			if len(fake.Messages()) != 0 {
				t.Error("the fake accepted a message")
			}
		})
	}
	// A rate limit keeps 8x8's Retry-After for Temporal's next retry.
	fake := eightbyeighttest.NewServer(t)
	fake.FailNext(http.StatusTooManyRequests, 4*time.Second)
	_, err := run(t, fake, options(""), "send_chat_apps_message", `{"subAccountId":"Acme_CA","user":{"msisdn":"+6512345678"},"type":"text","content":{"text":"Hi"}}`)
	var ce *connectors.Error
	if !errors.As(err, &ce) || ce.Kind != connectors.RateLimited || ce.RetryAfter != 4*time.Second || !strings.Contains(ce.Message, "Quota exceeded") {
		t.Errorf("rate limited: %v", err)
	}
}

func TestRegionPicksTheHost(t *testing.T) {
	for region, host := range map[string]string{"": "sms.8x8.com", "north-america": "sms.us.8x8.com", "europe": "sms.8x8.uk", "indonesia": "sms.8x8.id"} {
		t.Run(region, func(t *testing.T) {
			var got string
			o := options(region)
			inner := o.Authenticate
			o.Authenticate = func(next http.RoundTripper) http.RoundTripper {
				return inner(roundTripFunc(func(r *http.Request) (*http.Response, error) {
					got = r.Host
					return next.RoundTrip(r)
				}))
			}
			if _, err := run(t, eightbyeighttest.NewServer(t), o, "send_sms", `{"subAccountId":"Acme_SMS","destination":"+6512345678","text":"x"}`); err != nil {
				t.Fatal(err)
			}
			if got != host {
				t.Errorf("host %q, want %q", got, host)
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
