package connectortest

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors"
)

// WebhookSigner is what the kit needs of the fake of a third party whose
// webhook triggers are signed: its documented test vectors, and a signer
// that makes deliveries the way the third party does. A connector with
// webhook triggers fails the kit when its fake does not implement it.
type WebhookSigner interface {
	// WebhookVectors are deliveries the third party (or its own helper
	// libraries' tests) documents as correctly signed.
	WebhookVectors() []WebhookVector
	// SignWebhook makes a delivery of payload (a JSON object as the
	// trigger's schema describes it) to trigger, signed with secret at
	// time at, for the webhook URL url.
	SignWebhook(trigger string, payload []byte, secret, url string, at time.Time) SignedDelivery
}

// WebhookVector is one documented signed delivery. Its body need not be an
// event of the trigger (Slack documents a slash command): the kit checks
// only that the signature is accepted.
type WebhookVector struct {
	// Name says where the vector comes from.
	Name    string
	Trigger string
	// Delivery holds the vector's headers, body, URL, secret and a Now at
	// which the vector is fresh.
	Delivery connectors.Delivery
}

// SignedDelivery is a delivery the signer made, with what its scheme
// covers.
type SignedDelivery struct {
	connectors.Delivery
	// BodySigned: the scheme signs the body, so a changed body must be
	// refused. Telegram's secret token signs nothing.
	BodySigned bool
	// Timestamped: the scheme signs a time, so an old delivery must be
	// refused (Slack).
	Timestamped bool
}

// kitSecret signs the kit's own deliveries.
const kitSecret = "connectortest-webhook-secret"

// webhooksOf is c's webhook code, none when c receives no webhooks.
func webhooksOf(c connectors.Connector) []connectors.Webhook {
	if wc, ok := c.(connectors.WebhookConnector); ok {
		return wc.Webhooks()
	}
	return nil
}

// CheckWebhooks runs, for every webhook trigger of c, the checks of the
// kit's webhooks/<trigger> subtests; see RunWith.
func CheckWebhooks(t *testing.T, c connectors.Connector, fake any) {
	t.Helper()
	hooks := webhooksOf(c)
	forEachTrigger(t, c, connectors.TriggerWebhook, "webhooks", hooks, func(t *testing.T, tr connectors.TriggerSpec, hook connectors.Webhook) {
		signer, ok := fake.(WebhookSigner)
		if !ok {
			t.Fatalf("the fake %T cannot sign webhook deliveries (connectortest.WebhookSigner)", fake)
		}
		errorLines(t, CheckWebhook(tr, hook, signer))
	})
}

// forEachTrigger runs check in a subtest, named prefix/<id>, for each
// trigger of c of kind, with the one of impls (c's Pollers or Webhooks)
// that implements it; the subtest of a trigger without one fails.
func forEachTrigger[I interface{ Trigger() string }](t *testing.T, c connectors.Connector, kind connectors.TriggerKind, prefix string, impls []I, check func(t *testing.T, tr connectors.TriggerSpec, impl I)) {
	t.Helper()
	byTrigger := map[string]I{}
	for _, impl := range impls {
		if any(impl) != nil {
			byTrigger[impl.Trigger()] = impl
		}
	}
	for _, tr := range c.Spec().Triggers {
		if tr.Kind != kind {
			continue
		}
		t.Run(prefix+"/"+tr.ID, func(t *testing.T) {
			impl, ok := byTrigger[tr.ID]
			if !ok {
				t.Fatalf("the trigger has no %s implementation", kind)
			}
			check(t, tr, impl)
		})
	}
}

// errorLines fails t with each line of err, a check's report of every
// problem it found, one a line.
func errorLines(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for line := range strings.SplitSeq(err.Error(), "\n") {
		t.Error(line)
	}
}

// CheckWebhook checks one webhook trigger's code against its declaration
// and the signer's deliveries; it reports every problem, one a line.
func CheckWebhook(tr connectors.TriggerSpec, hook connectors.Webhook, signer WebhookSigner) error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	vectors := 0
	for _, v := range signer.WebhookVectors() {
		if v.Trigger != tr.ID {
			continue
		}
		vectors++
		if _, err := hook.Receive(v.Delivery); errors.Is(err, connectors.ErrWebhookSignature) {
			fail("documented vector %q refused: %v", v.Name, err)
		}
		wrong := v.Delivery
		wrong.Secrets = []string{"not-" + firstSecret(v.Delivery.Secrets)}
		if _, err := hook.Receive(wrong); !errors.Is(err, connectors.ErrWebhookSignature) {
			fail("documented vector %q with a wrong secret: error %v, want a signature error", v.Name, err)
		}
	}
	if vectors == 0 && tr.Signature != connectors.SignatureNone {
		fail("the fake gives no documented signature vector for %s", tr.ID)
	}

	const hookURL = "https://junction.example/hooks/acct/conn/"
	now := time.Date(2026, 3, 2, 10, 15, 0, 0, time.UTC)
	good := signer.SignWebhook(tr.ID, tr.SamplePayload, kitSecret, hookURL+tr.ID, now)
	good.Now, good.Secrets = now, []string{kitSecret}
	got, err := hook.Receive(good.Delivery)
	switch {
	case err != nil:
		fail("the signed sample payload: %v", err)
	case len(got.Events) != 1:
		fail("the signed sample payload made %d events, want 1", len(got.Events))
	default:
		ev := got.Events[0]
		if ev.ID == "" {
			fail("the sample payload's event has no id")
		}
		if tr.IDPointer != "" {
			if want, _ := expectedID(tr, tr.SamplePayload); want != ev.ID {
				fail("event id %q, want %q (at %s)", ev.ID, want, strings.Join(tr.IDPointers(), ", "))
			}
		} else if want := good.Header.Get(tr.IDHeader); ev.ID != want {
			fail("event id %q, want the %s header %q", ev.ID, tr.IDHeader, want)
		}
		if err := tr.Payload.Validate(ev.Payload); err != nil {
			fail("the event's payload does not match the trigger's schema: %v", err)
		}
	}

	refused := func(what string, d connectors.Delivery) {
		if _, err := hook.Receive(d); !errors.Is(err, connectors.ErrWebhookSignature) {
			fail("%s: error %v, want a signature error", what, err)
		}
	}
	if tr.Signature == connectors.SignatureNone {
		return errors.Join(errs...)
	}
	wrong := good.Delivery
	wrong.Secrets = []string{"someone-elses-secret"}
	refused("wrong secret", wrong)
	none := good.Delivery
	none.Secrets = nil
	refused("no secret", none)
	unsigned := good.Delivery
	unsigned.Header = http.Header{"Content-Type": good.Header.Values("Content-Type")}
	refused("no signature headers", unsigned)
	rotated := good.Delivery
	rotated.Secrets = []string{"the-new-secret", kitSecret}
	if _, err := hook.Receive(rotated); err != nil {
		fail("rotation (the old secret second): %v", err)
	}
	if good.BodySigned {
		tampered := good.Delivery
		tampered.Body = tamper(good.Body)
		refused("tampered body", tampered)
	}
	if good.Timestamped {
		stale := signer.SignWebhook(tr.ID, tr.SamplePayload, kitSecret, hookURL+tr.ID, now.Add(-time.Hour))
		stale.Now, stale.Secrets = now, []string{kitSecret}
		refused("a delivery signed an hour ago", stale.Delivery)
	}
	return errors.Join(errs...)
}

// tamper changes one byte of the body's content: the first digit, or the
// first letter, so the body stays well-formed.
func tamper(body []byte) []byte {
	out := bytes.Clone(body)
	for i, b := range out {
		switch {
		case b >= '0' && b <= '8':
			out[i] = b + 1
			return out
		case b == '9':
			out[i] = '8'
			return out
		}
	}
	return append(out, ' ')
}

func firstSecret(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
