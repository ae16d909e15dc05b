package apiclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// Definition statuses: a definition starts runs from its trigger only while
// enabled (test runs start whatever the status).
const (
	StatusEnabled  = "enabled"
	StatusDisabled = "disabled"
)

// Definition is one stored version of a definition, in the shape the API
// returns: the document as it was sent, with the server's id, version and
// creation time both at the top level and (id, version) inside definition.
type Definition struct {
	ID           string   `json:"id,omitempty"`
	Version      int      `json:"version,omitempty"`
	AccountID    string   `json:"accountId,omitempty"`
	SubAccountID string   `json:"subAccountId,omitempty"`
	Trigger      string   `json:"trigger"`
	Status       string   `json:"status"`
	Definition   Workflow `json:"definition"`
	// Conditions (a Junction extension) are {{ }} expressions that must
	// all be true for an event to start a run.
	Conditions []string `json:"conditions,omitempty"`
	CreatedAt  string   `json:"createdAt,omitempty"`

	// ETag is the response's ETag header, when the server sent one
	// (CreateDefinition, UpdateDefinition, GetDefinition); pass it to
	// UpdateDefinition as ifMatch.
	ETag string `json:"-"`
	// Raw is the definition exactly as the server sent it, fields this
	// version of the client does not know included; edit and send it back
	// to update without losing any.
	Raw json.RawMessage `json:"-"`
}

// Workflow is the definition proper: its name and steps. Steps are kept as
// JSON: the definition language (docs/definition.md) is the server's to
// validate, and the client passes them through untouched.
type Workflow struct {
	ID      string            `json:"id,omitempty"`
	Name    string            `json:"name"`
	Version int               `json:"version,omitempty"`
	Steps   []json.RawMessage `json:"steps"`
}

// UnmarshalJSON decodes a definition and keeps its raw form in Raw.
func (d *Definition) UnmarshalJSON(b []byte) error {
	type plain Definition // no methods, so no recursion
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*d = Definition(p)
	d.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// CreateDefinition validates and stores doc (8x8's definitionInput: trigger,
// status, definition{name, steps}, ...) as version 1 of a new definition.
// An invalid document is an *APIError with code 5001 listing every problem
// in Errors.
func (c *Client) CreateDefinition(ctx context.Context, doc json.RawMessage) (Definition, error) {
	var out Definition
	h, err := c.do(ctx, request{method: http.MethodPost, path: []string{"definitions"}, body: jsonBody(doc)}, &out)
	if err != nil {
		return Definition{}, err
	}
	out.ETag = h.Get("ETag")
	return out, nil
}

// UpdateDefinition stores doc as the next version of definition id; runs
// already started keep the version they started on. With a non-empty
// ifMatch (an ETag the server gave) the update only happens if nobody has
// changed the definition since: otherwise the error matches
// ErrPreconditionFailed.
func (c *Client) UpdateDefinition(ctx context.Context, id string, doc json.RawMessage, ifMatch string) (Definition, error) {
	r := request{method: http.MethodPut, path: []string{"definitions", id}, body: jsonBody(doc)}
	if ifMatch != "" {
		r.header = http.Header{"If-Match": {ifMatch}}
	}
	var out Definition
	h, err := c.do(ctx, r, &out)
	if err != nil {
		return Definition{}, err
	}
	out.ETag = h.Get("ETag")
	return out, nil
}

// ListDefinitions returns the latest version of each definition of the
// account, newest first.
func (c *Client) ListDefinitions(ctx context.Context, opts ListOptions) ([]Definition, error) {
	var out []Definition
	if _, err := c.do(ctx, request{method: http.MethodGet, path: []string{"definitions"}, query: opts.values()}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// DefinitionVersions returns every version of definition id, newest first.
// An unknown id is an empty list, as 8x8 documents, not an error.
func (c *Client) DefinitionVersions(ctx context.Context, id string, opts ListOptions) ([]Definition, error) {
	var out []Definition
	if _, err := c.do(ctx, request{method: http.MethodGet, path: []string{"definitions", id}, query: opts.values()}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// GetDefinition returns one version of definition id, or its latest when
// version is 0, with the ETag to update it from. A definition or version
// that does not exist is an error matching ErrNotFound.
func (c *Client) GetDefinition(ctx context.Context, id string, version int) (Definition, error) {
	q := url.Values{}
	if version > 0 {
		q.Set("version", fmt.Sprint(version))
	} else {
		q.Set("limit", "1") // newest first
	}
	var out []Definition
	h, err := c.do(ctx, request{method: http.MethodGet, path: []string{"definitions", id}, query: q}, &out)
	if err != nil {
		return Definition{}, err
	}
	if len(out) == 0 {
		if version > 0 {
			return Definition{}, fmt.Errorf("definition %s version %d: %w", id, version, ErrNotFound)
		}
		return Definition{}, fmt.Errorf("definition %s: %w", id, ErrNotFound)
	}
	out[0].ETag = h.Get("ETag")
	return out[0], nil
}

// DeleteDefinition terminates the active runs of definition id and deletes
// it: every version, or only version when it is not 0.
func (c *Client) DeleteDefinition(ctx context.Context, id string, version int) error {
	q := url.Values{}
	if version > 0 {
		q.Set("version", fmt.Sprint(version))
	}
	_, err := c.do(ctx, request{method: http.MethodDelete, path: []string{"definitions", id}, query: q}, nil)
	return err
}
