package twilio_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/auth"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/twilio"
	"github.com/junction-run/junction/connectors/twilio/twiliotest"
)

func options() connectortest.Options {
	return connectortest.Options{
		Connection: connectors.Connection{
			AuthKind: connectors.AuthBasic,
			Fields:   map[string]string{connectors.FieldUsername: twiliotest.AccountSid},
			Secrets:  connectors.SecretValues{connectors.FieldPassword: twiliotest.AuthToken},
		},
		Authenticate: func(next http.RoundTripper) http.RoundTripper {
			return auth.Basic(twiliotest.AccountSid, twiliotest.AuthToken).Transport(next)
		},
	}
}

func TestConformance(t *testing.T) {
	connectortest.RunWith(t, twilio.New(), twiliotest.New(t), options())
}

func call(t *testing.T, fake *twiliotest.Server, input string) connectors.Call {
	t.Helper()
	return options().Call(t, fake.BaseURL(), input)
}

func sendSMS(t *testing.T) connectors.Action {
	t.Helper()
	return connectortest.Action(t, twilio.New(), "send_sms")
}

func TestSendSMS(t *testing.T) {
	fake := twiliotest.New(t)
	out, err := sendSMS(t).Run(t.Context(), call(t, fake, `{"to": "+14155552671", "from": "+15017122661", "body": "Hello there", "status_callback": "https://hooks.example.com/status"}`))
	if err != nil {
		t.Fatal(err)
	}
	m := out.(twilio.Message)
	if !strings.HasPrefix(m.Sid, "SM") || m.Status != "queued" || m.To != "+14155552671" || m.From == nil || *m.From != "+15017122661" ||
		m.Body != "Hello there" || m.ErrorCode != nil || m.ErrorMessage != nil || m.AccountSid != twiliotest.AccountSid {
		t.Errorf("message = %+v", m)
	}
	if _, err := time.Parse(time.RFC1123Z, m.DateCreated); err != nil {
		t.Errorf("date_created %q: %v", m.DateCreated, err)
	}
	reqs := fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Host != "api.twilio.com" || r.Path != "/2010-04-01/Accounts/"+twiliotest.AccountSid+"/Messages.json" {
		t.Errorf("request %s %s%s", r.Method, r.Host, r.Path)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type = %q", ct)
	}
	want := url.Values{"To": {"+14155552671"}, "From": {"+15017122661"}, "Body": {"Hello there"}, "StatusCallback": {"https://hooks.example.com/status"}}
	if r.Form.Encode() != want.Encode() {
		t.Errorf("form = %v, want %v", r.Form, want)
	}
	if msgs := fake.Messages(); len(msgs) != 1 || msgs[0].StatusCallback != "https://hooks.example.com/status" {
		t.Errorf("fake holds %+v", msgs)
	}
}

func TestSendSMSThroughMessagingService(t *testing.T) {
	fake := twiliotest.New(t)
	const mg = "MG0123456789abcdef0123456789abcdef"
	out, err := sendSMS(t).Run(t.Context(), call(t, fake, `{"to": "+14155552671", "messaging_service_sid": "`+mg+`", "body": "Hi"}`))
	if err != nil {
		t.Fatal(err)
	}
	m := out.(twilio.Message)
	if m.From != nil || m.MessagingServiceSid == nil || *m.MessagingServiceSid != mg || m.Status != "accepted" {
		t.Errorf("message = %+v", m)
	}
	if f := fake.Requests()[0].Form; f.Get("MessagingServiceSid") != mg || f.Has("From") {
		t.Errorf("form = %v", f)
	}
}

func TestSendSMSTwilioErrors(t *testing.T) {
	fake := twiliotest.New(t)
	a := sendSMS(t)
	_, err := a.Run(t.Context(), call(t, fake, `{"to": "12345", "from": "+15017122661", "body": "Hi"}`))
	var ce *connectors.Error
	if !errors.As(err, &ce) || ce.Kind != connectors.BadRequest || ce.StatusCode != 400 || ce.Message != "Twilio error 21211: Invalid 'To' Phone Number: 12345" {
		t.Errorf("invalid To: %v", err)
	}

	fake.FailNext(http.StatusTooManyRequests, 3*time.Second)
	_, err = a.Run(t.Context(), call(t, fake, `{"to": "+14155552671", "from": "+15017122661", "body": "Hi"}`))
	if !errors.As(err, &ce) || ce.Kind != connectors.RateLimited || ce.RetryAfter != 3*time.Second || !strings.Contains(ce.Message, "20429") {
		t.Errorf("429: %v", err)
	}

	// A wrong Auth Token is Twilio's 401, code 20003, and the error never
	// quotes the token.
	c := call(t, fake, `{"to": "+14155552671", "from": "+15017122661", "body": "Hi"}`)
	base, _ := url.Parse(fake.BaseURL())
	const wrong = "0badc0de0badc0de0badc0de0badc0de"
	c.HTTP = &http.Client{Transport: auth.Basic(twiliotest.AccountSid, wrong).Transport(connectortest.Redirect(base, http.DefaultTransport))}
	_, err = a.Run(t.Context(), c)
	if !errors.As(err, &ce) || ce.Kind != connectors.Unauthorized || ce.Message != "Twilio error 20003: Authenticate" {
		t.Errorf("401: %v", err)
	}
	if strings.Contains(err.Error(), wrong) || strings.Contains(err.Error(), twiliotest.AuthToken) {
		t.Errorf("the error quotes a token: %v", err)
	}
	if n := len(fake.Messages()); n != 0 {
		t.Errorf("fake holds %d messages", n)
	}
}

func TestSendSMSRefusesBadInput(t *testing.T) {
	fake := twiliotest.New(t)
	a := sendSMS(t)
	for name, input := range map[string]string{
		"missing to":        `{"from": "+15017122661", "body": "Hi"}`,
		"missing body":      `{"to": "+14155552671", "from": "+15017122661"}`,
		"no sender":         `{"to": "+14155552671", "body": "Hi"}`,
		"two senders":       `{"to": "+14155552671", "from": "+15017122661", "messaging_service_sid": "MG0123456789abcdef0123456789abcdef", "body": "Hi"}`,
		"bad service sid":   `{"to": "+14155552671", "messaging_service_sid": "MG12", "body": "Hi"}`,
		"unknown field":     `{"to": "+14155552671", "from": "+15017122661", "body": "Hi", "MediaUrl": "x"}`,
		"body not a string": `{"to": "+14155552671", "from": "+15017122661", "body": 5}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := a.Run(t.Context(), call(t, fake, input))
			if k, _ := connectors.KindOf(err); k != connectors.BadRequest {
				t.Errorf("error %v, want a BadRequest", err)
			}
		})
	}
	c := call(t, fake, `{"to": "+14155552671", "from": "+15017122661", "body": "Hi"}`)
	c.Connection.Fields = map[string]string{connectors.FieldUsername: "AC123/../../evil"}
	if _, err := a.Run(t.Context(), c); err == nil {
		t.Error("a user name that is no Account SID was accepted")
	} else if k, _ := connectors.KindOf(err); k != connectors.BadRequest {
		t.Errorf("bad account sid: %v", err)
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("the fake got %d requests for input the action should refuse", n)
	}
}

func TestSpecAcceptsConnection(t *testing.T) {
	s := twilio.New().Spec()
	if err := s.CheckConnection(options().Connection); err != nil {
		t.Error(err)
	}
	if s.Triggers[0].IDPointer != "/MessageSid" || s.Triggers[0].Signature != twilio.SignatureScheme {
		t.Errorf("trigger = %+v", s.Triggers[0])
	}
}

func TestPayloadMatchesSchema(t *testing.T) {
	tr := twilio.New().Spec().Triggers[0]
	form := url.Values{
		"MessageSid": {"SM11"}, "AccountSid": {twiliotest.AccountSid}, "From": {"+14155552671"},
		"To": {"+15017122661"}, "Body": {"hi"}, "NumMedia": {"0"}, "AddOns": {`{"status":"successful"}`},
	}
	raw, err := json.Marshal(twilio.Payload(form))
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Payload.Validate(raw); err != nil {
		t.Errorf("payload %s: %v", raw, err)
	}
	if err := tr.Payload.Validate([]byte(`{"MessageSid": "SM11"}`)); err == nil {
		t.Error("a payload without From, To and Body was accepted")
	}
}
