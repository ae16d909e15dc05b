package connectortest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors"
)

// fuzzOtherSecret is a secret that signed none of the fuzzer's deliveries.
const fuzzOtherSecret = "connectortest-someone-elses-secret"

// FuzzWebhooks fuzzes the Receive of every webhook trigger of c, the code
// the gateway runs on whatever the Internet posts to a trigger's URL. A
// connector's package calls it from its own fuzz target:
//
//	func FuzzReceive(f *testing.F) { connectortest.FuzzWebhooks(f, shopify.New(), shopifytest.New(f)) }
//
// Each input picks a trigger, a payload, one header of the delivery and a
// value for it. For every input, Receive must not panic, must answer only
// with events (each with an id and a JSON object payload) or an answer, or
// with an error that is ErrWebhookSignature or ErrWebhookPayload; and:
//
//   - the payload signed by the signer with the connection's secret is
//     never refused as unsigned, and is refused (no events) under another
//     secret or none;
//   - the signed delivery with one header changed still makes no events
//     under a secret that did not sign it;
//   - where the scheme signs the body, the sample payload's signed headers
//     over the fuzzed body make no events but the sample's own.
//
// The seeds are each trigger's sample payload and the signer's documented
// vectors; go test replays them, and -fuzz explores from them.
func FuzzWebhooks(f *testing.F, c connectors.Connector, signer WebhookSigner) {
	f.Helper()
	hooks := webhooksOf(c)
	type target struct {
		spec connectors.TriggerSpec
		hook connectors.Webhook
		// genuine is the signed sample delivery and sampleEvents what it makes.
		genuine      SignedDelivery
		sampleEvents []connectors.WebhookEvent
	}
	const hookURL = "https://junction.example/hooks/acct/conn/"
	now := time.Date(2026, 3, 2, 10, 15, 0, 0, time.UTC)
	var targets []target
	for _, tr := range c.Spec().Triggers {
		if tr.Kind != connectors.TriggerWebhook {
			continue
		}
		i := slices.IndexFunc(hooks, func(h connectors.Webhook) bool { return h.Trigger() == tr.ID })
		if i < 0 {
			f.Fatalf("webhook trigger %s has no implementation", tr.ID)
		}
		genuine := signer.SignWebhook(tr.ID, tr.SamplePayload, kitSecret, hookURL+tr.ID, now)
		genuine.Now, genuine.Secrets = now, []string{kitSecret}
		got, err := hooks[i].Receive(genuine.Delivery)
		if err != nil {
			f.Fatalf("%s: the signed sample payload: %v", tr.ID, err)
		}
		targets = append(targets, target{spec: tr, hook: hooks[i], genuine: genuine, sampleEvents: got.Events})
	}
	if len(targets) == 0 {
		f.Fatalf("%s has no webhook trigger to fuzz", c.Spec().ID)
	}
	for i, t := range targets {
		f.Add(uint8(i), []byte(t.spec.SamplePayload), uint8(0), "")
		for _, v := range signer.WebhookVectors() {
			if v.Trigger == t.spec.ID {
				f.Add(uint8(i), v.Delivery.Body, uint8(1), "")
			}
		}
	}

	f.Fuzz(func(t *testing.T, which uint8, payload []byte, header uint8, value string) {
		tg := targets[int(which)%len(targets)]
		receive := func(what string, d connectors.Delivery, secrets ...string) connectors.Received {
			t.Helper()
			d.Secrets = secrets
			got, err := tg.hook.Receive(d)
			if err := wellFormed(got, err); err != nil {
				t.Fatalf("%s: %s: %v", tg.spec.ID, what, err)
			}
			return got
		}
		noEvents := func(what string, got connectors.Received) {
			t.Helper()
			if len(got.Events) > 0 {
				t.Fatalf("%s: %s was accepted: %d events", tg.spec.ID, what, len(got.Events))
			}
		}

		if signed, ok := sign(signer, tg.spec.ID, payload, hookURL+tg.spec.ID, now); ok {
			signed.Now = now
			if _, err := tg.hook.Receive(withSecrets(signed.Delivery, kitSecret)); errors.Is(err, connectors.ErrWebhookSignature) {
				t.Fatalf("%s: a delivery signed with the secret was refused as unsigned: %v", tg.spec.ID, err)
			}
			receive("the signed payload", signed.Delivery, kitSecret)
			noEvents("the payload signed with another secret", receive("another secret", signed.Delivery, fuzzOtherSecret))
			noEvents("the payload with no secret configured", receive("no secret", signed.Delivery))

			names := slices.Sorted(func(yield func(string) bool) {
				for k := range signed.Header {
					if !yield(k) {
						return
					}
				}
			})
			if len(names) > 0 {
				changed := signed.Delivery
				changed.Header = signed.Header.Clone()
				name := names[int(header)%len(names)]
				if value == "" {
					changed.Header.Del(name)
				} else {
					changed.Header.Set(name, value)
				}
				receive("a changed "+name, changed, kitSecret)
				if !strings.Contains(value, fuzzOtherSecret) {
					noEvents("a delivery with a changed "+name+" under another secret", receive("a changed "+name+", another secret", changed, fuzzOtherSecret))
				}
			}
		}

		if tg.genuine.BodySigned {
			tampered := tg.genuine.Delivery
			tampered.Body = payload
			got := receive("the sample's signature over another body", tampered, kitSecret)
			if len(got.Events) > 0 && !reflect.DeepEqual(normalEvents(got.Events), normalEvents(tg.sampleEvents)) {
				t.Fatalf("%s: the sample's signature accepted another body with other events:\n%s\ngot %+v", tg.spec.ID, payload, got.Events)
			}
		}
	})
}

// sign asks the signer for a delivery of payload. A fake may panic on a
// payload its third party could never send (Twilio's signer takes only an
// object of strings, the parameters of a form): ok is then false.
func sign(signer WebhookSigner, trigger string, payload []byte, url string, at time.Time) (d SignedDelivery, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return signer.SignWebhook(trigger, payload, kitSecret, url, at), true
}

func withSecrets(d connectors.Delivery, secrets ...string) connectors.Delivery {
	d.Secrets = secrets
	return d
}

// wellFormed checks Receive's contract on one answer.
func wellFormed(got connectors.Received, err error) error {
	if err != nil {
		if !errors.Is(err, connectors.ErrWebhookSignature) && !errors.Is(err, connectors.ErrWebhookPayload) {
			return fmt.Errorf("error %v is neither ErrWebhookSignature nor ErrWebhookPayload", err)
		}
		if got.Events != nil || got.Answer != nil {
			return fmt.Errorf("an error (%v) with events or an answer: %+v", err, got)
		}
		return nil
	}
	if len(got.Events) == 0 && got.Answer == nil {
		return errors.New("accepted with neither events nor an answer")
	}
	for _, ev := range got.Events {
		if ev.ID == "" {
			return errors.New("an event without an id")
		}
		if p := bytes.TrimSpace(ev.Payload); len(p) == 0 || p[0] != '{' || !json.Valid(p) {
			return fmt.Errorf("event %s: the payload is not a JSON object: %q", ev.ID, ev.Payload)
		}
	}
	return nil
}

// normalEvents are events with their payloads decoded, so that two
// spellings of the same JSON compare equal.
func normalEvents(events []connectors.WebhookEvent) []any {
	out := make([]any, len(events))
	for i, ev := range events {
		var v any
		_ = json.Unmarshal(ev.Payload, &v)
		out[i] = [2]any{ev.ID, v}
	}
	return out
}
