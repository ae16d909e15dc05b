package connectors

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/junction-run/junction/runs"
)

// ManifestDoc lists everything a Junction installation can connect to:
// every connector, every registered version of it, with its auth kinds and
// their fields, custom properties, environment variables, triggers and
// actions. It is generated from the registry (never written by hand) and
// served at GET /api/v1/manifest; docs/connectors/<id>.md is rendered from
// it. Its specs share schemas with the registry: do not modify them.
type ManifestDoc struct {
	Connectors []ManifestConnector `json:"connectors"`
}

// ManifestConnector is one connector with all its registered versions.
type ManifestConnector struct {
	ID string `json:"id"`
	// Name is the name of the default version (or, with no stable version,
	// the newest).
	Name string `json:"name"`
	// DefaultVersion is the latest stable version, which definitions that
	// name no version get; empty when no version is stable.
	DefaultVersion string `json:"defaultVersion,omitempty"`
	// Versions are newest first.
	Versions []Spec `json:"versions"`
	// Owner is who keeps an app written as data (Registry.ManifestFor):
	// the account or the platform; empty for a built-in connector.
	Owner AppOwner `json:"owner,omitempty"`
}

// Documented returns the version the docs describe in full: the default
// one, or the newest when none is stable.
func (c ManifestConnector) Documented() Spec {
	for _, s := range c.Versions {
		if s.Version == c.DefaultVersion {
			return s
		}
	}
	if len(c.Versions) == 0 {
		return Spec{ID: c.ID, Name: c.Name}
	}
	return c.Versions[0]
}

// Manifest describes every registered connector, sorted by id.
func (r *Registry) Manifest() ManifestDoc {
	r.mu.RLock()
	defer r.mu.RUnlock()
	doc := ManifestDoc{Connectors: []ManifestConnector{}}
	for _, id := range sortedKeys(r.byID) {
		list := r.byID[id]
		c := ManifestConnector{ID: id}
		for i := len(list) - 1; i >= 0; i-- {
			c.Versions = append(c.Versions, list[i].spec)
		}
		if e := latestStable(list); e != nil {
			c.DefaultVersion = e.spec.Version
		}
		c.Name = c.Documented().Name
		doc.Connectors = append(doc.Connectors, c)
	}
	return doc
}

// generatedMarker starts every generated page; WriteDocs only ever deletes
// files that carry it.
const generatedMarker = "<!-- Code generated from the connector manifest by `go test ./connectors/ -update`; DO NOT EDIT. -->"

// Docs renders the page of every registered connector, keyed by file name
// (<id>.md).
func (r *Registry) Docs() map[string][]byte {
	out := map[string][]byte{}
	for _, c := range r.Manifest().Connectors {
		out[c.ID+".md"] = Markdown(c)
	}
	return out
}

// WriteDocs writes the page of every registered connector into dir and
// removes generated pages of connectors no longer registered; hand-written
// files are left alone.
func (r *Registry) WriteDocs(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("writing connector docs: %w", err)
	}
	docs := r.Docs()
	stale, err := StaleDocs(dir, docs)
	if err != nil {
		return err
	}
	for _, name := range stale {
		path := filepath.Join(dir, name)
		want, ok := docs[name]
		if !ok {
			if err := os.Remove(path); err != nil {
				return fmt.Errorf("removing stale connector doc: %w", err)
			}
			continue
		}
		if err := os.WriteFile(path, want, 0o644); err != nil {
			return fmt.Errorf("writing connector docs: %w", err)
		}
	}
	return nil
}

// StaleDocs compares dir with the pages docs holds and returns, sorted, the
// files that are missing or differ, and the generated pages in dir that
// docs no longer has.
func StaleDocs(dir string, docs map[string][]byte) ([]string, error) {
	var stale []string
	for name, want := range docs {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("reading connector docs: %w", err)
		}
		if !bytes.Equal(got, want) {
			stale = append(stale, name)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading connector docs: %w", err)
	}
	for _, de := range entries {
		name := de.Name()
		if _, ok := docs[name]; ok || de.IsDir() || !strings.HasSuffix(name, ".md") {
			continue
		}
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("reading connector docs: %w", err)
		}
		if bytes.HasPrefix(got, []byte(generatedMarker)) {
			stale = append(stale, name)
		}
	}
	sort.Strings(stale)
	return stale, nil
}

// Markdown renders a connector's page: its versions, then the default
// version (or the newest, with none stable) in full: connection settings,
// triggers and actions with their schemas as tables and their samples.
func Markdown(c ManifestConnector) []byte {
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	s := c.Documented()

	w("%s\n\n", generatedMarker)
	w("# %s (`%s`)\n\n", s.Name, c.ID)
	w("%s\n\n", strings.TrimSpace(s.Description))

	w("## Versions\n\n")
	w("| Version | Status | Notes |\n|---|---|---|\n")
	for _, v := range c.Versions {
		status := string(v.Status)
		if v.Version == c.DefaultVersion {
			status += ", default"
		}
		note := ""
		if d := v.Deprecation; d != nil {
			note = fmt.Sprintf("Supported until %s; move to %s.", d.Date, d.Replacement)
			if d.Note != "" {
				note += " " + d.Note
			}
		}
		w("| %s | %s | %s |\n", v.Version, status, cell(note))
	}
	w("\n")
	switch {
	case c.DefaultVersion == "":
		w("No version is stable: a definition must name the version it uses. ")
	default:
		w("A definition that names no version gets %s. ", c.DefaultVersion)
	}
	w("The rest of this page describes version %s.\n\n", s.Version)

	w("## Connection\n\n")
	w("A connection authenticates in one of these ways.\n\n")
	for _, a := range s.Auth {
		w("### %s (`%s`)\n\n", authTitle(a.Kind), a.Kind)
		if a.Description != "" {
			w("%s\n\n", strings.TrimSpace(a.Description))
		}
		if k := a.APIKey; k != nil {
			w("The key is sent in the %s `%s`", map[string]string{APIKeyInHeader: "header", APIKeyInQuery: "query parameter", APIKeyInCookie: "cookie"}[k.In], k.Name)
			if k.Prefix != "" {
				w(", after `%s`", k.Prefix)
			}
			w(".\n\n")
		}
		if o := a.OAuth2; o != nil {
			if o.AuthURL != "" {
				w("- Authorization URL: `%s`\n", o.AuthURL)
			}
			w("- Token URL: `%s`\n", o.TokenURL)
			if len(o.Scopes) > 0 {
				w("- Scopes: `%s`\n", strings.Join(o.Scopes, "`, `"))
			}
			if o.PKCE {
				w("- PKCE (S256)\n")
			}
			if o.ClientIDEnv != "" {
				w("- OAuth client from the environment variables `%s` and `%s`\n", o.ClientIDEnv, o.ClientSecretEnv)
			}
			w("\n")
		}
		fieldTable(w, a.Fields)
	}
	if len(s.Properties) > 0 {
		w("### Custom properties\n\n")
		fieldTable(w, s.Properties)
	}
	if len(s.Env) > 0 {
		w("### Environment variables\n\n")
		w("Set once per app version by whoever runs Junction, shared by every connection.\n\n")
		w("| Name | Required | Secret | Description |\n|---|---|---|---|\n")
		for _, e := range s.Env {
			w("| `%s` | %s | %s | %s |\n", e.Name, yesNo(e.Required), yesNo(e.Secret), cell(e.Description))
		}
		w("\n")
	}
	if s.CustomEnv {
		w("### Custom environment variables\n\n")
		w("Accounts may set environment variables of their own for this app version (UPPER_SNAKE_CASE names, " +
			"each marked secret or not) and use them in step inputs as `{{env.NAME}}`; they are resolved only inside the activity.\n\n")
	}

	if len(s.Channels) > 0 {
		w("## Channels\n\n")
		w("Conversations on these channels have users, conversations and a message log (docs/api.md); " +
			"a run started by a message answers it with a `Reply` step.\n\n")
		w("| Channel | Sends | |\n|---|---|---|\n")
		for _, c := range s.Channels {
			w("| `%s` | %s | %s |\n", c.Name, strings.Join(c.MessageTypes, ", "), c.Description)
		}
		w("\n")
	}

	if len(s.States) > 0 {
		w("## States\n\n")
		w("A definition triggered by this app keeps its states to these schemas, for each scope it declares none for.\n\n")
		for _, scope := range slices.Sorted(maps.Keys(s.States)) {
			w("`%s`:\n\n", scope)
			schemaTable(w, s.States[scope])
		}
	}

	if len(s.Triggers) > 0 {
		w("## Triggers\n\n")
		for _, t := range s.Triggers {
			w("### %s (`%s`)\n\n", t.Name, t.ID)
			switch t.Kind {
			case TriggerWebhook:
				if t.Signature == SignatureNone {
					w("Webhook, unsigned.")
				} else {
					w("Webhook, signed with `%s`, verified with the connection's secret field `%s`.", t.Signature, t.SecretField)
				}
				w(" Deliveries go to `POST /hooks/{accountId}/{connectionId}/%s` (see docs/api.md).", t.ID)
			case TriggerPolling:
				w("Polling, every %s by default.", t.PollInterval)
				if t.PollFromNow {
					w(" A definition's first poll starts from now unless it says `\"pollFrom\": \"oldest\"`.")
				}
			}
			switch {
			case len(t.IDQualifiers) > 0:
				w(" The event's unique id is made of the values at `%s`, joined by `%s` (a `~` in a value is written `~0`).\n\n",
					strings.Join(t.IDPointers(), "`, `"), EventIDSeparator)
			case t.IDPointer != "":
				w(" The event's unique id is at `%s`.\n\n", t.IDPointer)
			default:
				w(" The event's unique id is the delivery's `%s` header.\n\n", t.IDHeader)
			}
			w("%s\n\n", strings.TrimSpace(t.Description))
			if m := t.Message; m != nil {
				channel := "`" + m.Channel + "`"
				if m.Channel == "" {
					channel = "read from `" + strings.Join(m.ChannelPointers, "`, `") + "`"
				}
				w("Its events are messages on channel %s: the user is tagged %s, the conversation %s.", channel, tagList(m.UserTags), tagList(m.ConversationTags))
				if t.Reply != nil {
					w(" A `Reply` step answers through `%s`.", t.Reply.Action)
				}
				w("\n\n")
			}
			w("Payload:\n\n")
			schemaTable(w, t.Payload)
			w("Sample payload:\n\n")
			jsonBlock(w, t.SamplePayload)
		}
	}

	if len(s.Actions) > 0 {
		w("## Actions\n\n")
		for _, a := range s.Actions {
			w("### %s (`%s`)\n\n", a.Name, a.ID)
			idem := "not idempotent"
			if a.Idempotent {
				idem = "idempotent"
			}
			w("Activity `%s`; kind %s; %s.\n\n", runs.ConnectorActivity(s.ID, a.ID), a.Kind, idem)
			w("%s\n\n", strings.TrimSpace(a.Description))
			w("Input:\n\n")
			schemaTable(w, a.Input)
			w("Output:\n\n")
			schemaTable(w, a.Output)
			w("Sample input:\n\n")
			jsonBlock(w, a.SampleInput)
		}
	}
	return append(bytes.TrimRight(b.Bytes(), "\n"), '\n')
}

func authTitle(k AuthKind) string {
	switch k {
	case AuthNone:
		return "No authentication"
	case AuthBasic:
		return "HTTP Basic"
	case AuthBearer:
		return "Bearer token"
	case AuthAPIKey:
		return "API key"
	case AuthDigest:
		return "HTTP Digest"
	case AuthSession:
		return "Session login"
	case AuthOAuth2AuthorizationCode:
		return "OAuth 2.0 authorization code"
	case AuthOAuth2ClientCredentials:
		return "OAuth 2.0 client credentials"
	}
	return string(k)
}

func fieldTable(w func(string, ...any), fields []Field) {
	if len(fields) == 0 {
		w("No fields.\n\n")
		return
	}
	w("| Field | Type | Required | Secret | Default | Description |\n|---|---|---|---|---|---|\n")
	for _, f := range fields {
		desc := f.Description
		if len(f.Enum) > 0 {
			desc += " One of: `" + strings.Join(f.Enum, "`, `") + "`."
		}
		def := ""
		if f.Default != "" {
			def = "`" + f.Default + "`"
		}
		w("| `%s` | %s | %s | %s | %s | %s |\n", f.Name, f.Type, yesNo(f.Required), yesNo(f.Secret), def, cell(desc))
	}
	w("\n")
}

// schemaTable flattens a schema into one row per property, nested ones
// written a.b and array items a[].
func schemaTable(w func(string, ...any), s *Schema) {
	var rows [][4]string
	var walk func(prefix string, s *Schema)
	walk = func(prefix string, s *Schema) {
		if s == nil {
			return
		}
		for _, name := range sortedKeys(s.Properties) {
			p := s.Properties[name]
			path := prefix + name
			rows = append(rows, [4]string{path, typeName(p), yesNo(slices.Contains(s.Required, name)), describe(p)})
			walk(path+".", p)
			if p.Items != nil && len(p.Items.Properties) > 0 {
				walk(path+"[].", p.Items)
			}
		}
	}
	walk("", s)
	if len(rows) == 0 {
		switch {
		case s == nil || len(s.Type) == 0:
			w("Any JSON value.\n\n")
		case s.Type.Has(TypeObject):
			w("An object with no declared fields.\n\n")
		default:
			w("%s.\n\n", capitalise(typeName(s)))
		}
		return
	}
	w("| Field | Type | Required | Description |\n|---|---|---|---|\n")
	for _, r := range rows {
		w("| `%s` | %s | %s | %s |\n", r[0], r[1], r[2], cell(r[3]))
	}
	w("\n")
}

func typeName(s *Schema) string {
	if len(s.Type) == 0 {
		return "any"
	}
	var parts []string
	for _, t := range s.Type {
		if t == TypeArray && s.Items != nil && len(s.Items.Type) > 0 {
			t = "array of " + typeName(s.Items)
		}
		parts = append(parts, t)
	}
	out := strings.Join(parts, " or ")
	if s.Format != "" {
		out += " (" + s.Format + ")"
	}
	return out
}

func describe(s *Schema) string {
	d := strings.TrimSpace(s.Description)
	enum := s.Enum
	if enum == nil && s.Items != nil {
		enum = s.Items.Enum
	}
	if len(enum) > 0 {
		var vals []string
		for _, v := range enum {
			if v != nil {
				vals = append(vals, "`"+compactJSON(v)+"`")
			}
		}
		if d != "" {
			d += " "
		}
		d += "One of: " + strings.Join(vals, ", ") + "."
	}
	return d
}

func jsonBlock(w func(string, ...any), raw json.RawMessage) {
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		out.Reset()
		out.Write(raw)
	}
	w("```json\n%s\n```\n\n", out.String())
}

// cell fits text into a table cell: one line, pipes escaped, and angle
// brackets escaped so "https://<shop>.example" is not read as a tag.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;").Replace(s)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// tagList says where each tag is read: "`id` (`/event/user`)".
func tagList(tags []TagSpec) string {
	parts := make([]string, len(tags))
	for i, t := range tags {
		if t.Value != "" {
			parts[i] = fmt.Sprintf("`%s` = `%s`", t.Name, t.Value)
		} else {
			parts[i] = fmt.Sprintf("`%s` (`%s`)", t.Name, strings.Join(t.Pointers, "`, `"))
		}
	}
	return strings.Join(parts, ", ")
}
