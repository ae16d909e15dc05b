// Package example is a connector for Acme CRM, a made-up third party: the
// smallest complete connector, written the way real ones are, to show the
// contract of package connectors and to exercise the conformance kit and
// the generated docs. It has one action (create_contact) and one webhook
// trigger (contact_created); package exampletest fakes Acme's API.
//
// Acme's API, as this connector assumes it:
//
//   - each customer has a workspace, served at https://<workspace>.acme.example;
//   - POST /v1/contacts with a JSON body creates a contact and answers 201
//     with the contact;
//   - requests authenticate with Authorization: Bearer <token> or with the
//     header X-Acme-Key: <key>;
//   - partners identify themselves with the header X-Acme-Partner;
//   - errors answer {"error": {"code": "...", "message": "..."}}, and 429 and
//     503 carry Retry-After in seconds;
//   - webhooks are signed with HMAC-SHA256 of the body in X-Acme-Signature.
package example

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"time"

	"github.com/junction-run/junction/connectors"
)

// ID is the connector's id.
const ID = "acme"

// The environment variable the connector reads.
const EnvPartnerID = "ACME_PARTNER_ID"

// maxBody bounds how much of an answer is read.
const maxBody = 1 << 20

// ContactInput is the input of create_contact.
type ContactInput struct {
	Email string `json:"email" description:"The contact's email address; Acme refuses a second contact with the same one."`
	Name  string `json:"name,omitempty" description:"The contact's full name."`
	// Lifecycle is where the contact is in the sales funnel.
	Lifecycle string   `json:"lifecycle,omitempty" enum:"lead,customer" description:"Where the contact is in the sales funnel; lead when not given."`
	Tags      []string `json:"tags,omitempty" description:"Labels to file the contact under."`
}

// Contact is an Acme contact: the output of create_contact and the subject
// of contact_created.
type Contact struct {
	ID        string    `json:"id" description:"Acme's id for the contact."`
	Email     string    `json:"email" description:"The contact's email address."`
	Name      string    `json:"name,omitempty" description:"The contact's full name."`
	Lifecycle string    `json:"lifecycle" enum:"lead,customer" description:"Where the contact is in the sales funnel."`
	Tags      []string  `json:"tags,omitempty" description:"Labels the contact is filed under."`
	CreatedAt time.Time `json:"created_at" description:"When the contact was created."`
}

// ContactEvent is the payload of contact_created.
type ContactEvent struct {
	EventID    string    `json:"event_id" description:"Acme's id for this delivery; the same on every retry of it."`
	Type       string    `json:"type" enum:"contact.created" description:"The kind of event."`
	OccurredAt time.Time `json:"occurred_at" description:"When the contact was created."`
	Contact    Contact   `json:"contact" description:"The new contact."`
}

// New returns version 1.0.0 of the Acme connector.
func New() *connectors.Static {
	return connectors.New(spec("1.0.0", connectors.StatusStable, nil, bearer(), apiKey()), createContact()).
		WithWebhooks(contactCreatedWebhook())
}

// NewV0 returns version 0.9.0, deprecated in favour of 1.0.0; it is here
// to show how versions live side by side.
func NewV0() *connectors.Static {
	return connectors.New(spec("0.9.0", connectors.StatusDeprecated, &connectors.Deprecation{
		Date:        "2027-06-30",
		Replacement: "1.0.0",
		Note:        "1.0.0 adds the api_key auth kind; inputs and outputs are unchanged.",
	}, bearer()), createContact()).WithWebhooks(contactCreatedWebhook())
}

func spec(version string, status connectors.Status, dep *connectors.Deprecation, auth ...connectors.AuthSpec) connectors.Spec {
	return connectors.Spec{
		ID:   ID,
		Name: "Acme CRM",
		Description: "Acme CRM is a made-up customer database: the example connector that shows " +
			"how Junction connectors are declared, documented and tested. Create contacts, and start " +
			"runs when contacts are created.",
		Version:     version,
		Status:      status,
		Deprecation: dep,
		Auth:        auth,
		Properties: []connectors.Field{{
			Name: "workspace", Type: connectors.FieldString, Required: true,
			Description: "The workspace's name, as in https://<workspace>.acme.example.",
		}},
		Env: []connectors.EnvVar{{
			Name:        EnvPartnerID,
			Description: "Junction's Acme partner id, sent as X-Acme-Partner so Acme can attribute the traffic.",
		}},
		Triggers: []connectors.TriggerSpec{contactCreated()},
		// A definition started by Acme keeps, in a user's state, the
		// contact the user is in Acme.
		States: map[string]*connectors.Schema{"user": connectors.MustSchema(`{"type": "object",
			"properties": {"acmeContactId": {"type": "string", "pattern": "^ct_"}}}`)},
	}
}

func apiKey() connectors.AuthSpec {
	a := connectors.APIKeyAuth(connectors.APIKeyInHeader, "X-Acme-Key")
	a.Description = "A workspace API key, from Settings → API keys. It acts as the workspace's owner."
	a.Fields = append(a.Fields, webhookSecret())
	return a
}

func bearer() connectors.AuthSpec {
	a := connectors.BearerAuth()
	a.Description = "A personal access token, from Profile → Tokens. It acts as the person who made it."
	a.Fields = append(a.Fields, webhookSecret())
	return a
}

// SignatureScheme is how Acme signs webhooks: hex HMAC-SHA256 of the body
// in X-Acme-Signature.
const SignatureScheme = "acme_hmac_sha256"

func contactCreated() connectors.TriggerSpec {
	return connectors.TriggerSpec{
		ID:          "contact_created",
		Name:        "Contact created",
		Kind:        connectors.TriggerWebhook,
		Description: "Acme calls the webhook once a contact is created, in the UI, by import or through the API.",
		Payload:     connectors.MustSchemaFor[ContactEvent](),
		SamplePayload: json.RawMessage(`{
			"event_id": "evt_01HZX3V9",
			"type": "contact.created",
			"occurred_at": "2026-03-02T10:15:00Z",
			"contact": {"id": "ct_1001", "email": "ada@example.com", "name": "Ada Lovelace",
			            "lifecycle": "lead", "created_at": "2026-03-02T10:15:00Z"}
		}`),
		IDPointer:   "/event_id",
		Signature:   SignatureScheme,
		SecretField: connectors.FieldWebhookSecret,
	}
}

func webhookSecret() connectors.Field {
	return connectors.WebhookSecretField("The webhook's signing secret, from Settings → Webhooks.")
}

// SignatureHeader carries a delivery's signature.
const SignatureHeader = "X-Acme-Signature"

// ErrBadSignature: the delivery's signature is missing or matches none of
// the secrets.
var ErrBadSignature = errors.New("acme: webhook signature missing or wrong")

// Sign returns the X-Acme-Signature of a webhook body: hex HMAC-SHA256
// with the webhook's secret.
func Sign(body []byte, secret string) string { return hex.EncodeToString(mac(body, secret)) }

func mac(body []byte, secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return m.Sum(nil)
}

// VerifyWebhook checks X-Acme-Signature against each secret (several while
// one is rotated), in constant time.
func VerifyWebhook(header http.Header, body []byte, secrets ...string) error {
	got, err := hex.DecodeString(header.Get(SignatureHeader))
	if err != nil || len(got) != sha256.Size {
		return ErrBadSignature
	}
	ok := false
	for _, s := range secrets {
		if s != "" && hmac.Equal(got, mac(body, s)) {
			ok = true
		}
	}
	if !ok {
		return ErrBadSignature
	}
	return nil
}

// contactCreatedWebhook is contact_created's code: VerifyWebhook, then the
// JSON event identified by event_id.
func contactCreatedWebhook() *connectors.JSONWebhook {
	return &connectors.JSONWebhook{
		Spec: contactCreated(),
		Verify: func(d connectors.Delivery) error {
			return VerifyWebhook(d.Header, d.Body, d.Secrets...)
		},
	}
}

func createContact() *connectors.Func[ContactInput, Contact] {
	return connectors.NewAction(connectors.ActionSpec{
		ID:          "create_contact",
		Name:        "Create contact",
		Kind:        connectors.ActionCreate,
		Description: "Creates a contact. Acme refuses a second contact with the same email (422).",
		SampleInput: json.RawMessage(`{"email": "grace@example.com", "name": "Grace Hopper", "tags": ["newsletter"]}`),
	}, runCreateContact)
}

var workspacePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// BaseURL is the API root of a workspace.
func BaseURL(workspace string) string { return "https://" + workspace + ".acme.example" }

func runCreateContact(ctx context.Context, call connectors.Call, in ContactInput) (Contact, error) {
	workspace := call.Connection.Properties["workspace"]
	if !workspacePattern.MatchString(workspace) {
		return Contact{}, connectors.Errorf(connectors.BadRequest, "workspace %q is not an Acme workspace name", workspace)
	}
	body, err := json.Marshal(in)
	if err != nil {
		return Contact{}, fmt.Errorf("encoding acme contact: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, BaseURL(workspace)+"/v1/contacts", bytes.NewReader(body))
	if err != nil {
		return Contact{}, fmt.Errorf("creating acme contact: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if p := call.Env.Get(EnvPartnerID); p != "" {
		req.Header.Set("X-Acme-Partner", p)
	}
	resp, err := call.HTTP.Do(req)
	if err != nil {
		return Contact{}, fmt.Errorf("creating acme contact: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return Contact{}, fmt.Errorf("reading acme contact: %w", err)
	}
	if e := connectors.FromHTTPResponse(resp, raw); e != nil {
		return Contact{}, fmt.Errorf("creating acme contact: %w", e)
	}
	var out Contact
	if err := json.Unmarshal(raw, &out); err != nil {
		return Contact{}, fmt.Errorf("decoding acme contact: %w", err)
	}
	return out, nil
}
