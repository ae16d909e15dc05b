package apiclient

import (
	"context"
	"encoding/json"
	"net/http"
)

// App is one stored version of an account's declarative app (docs/apps.md),
// as POST /apps answers it.
type App struct {
	Key       string `json:"key"`
	Version   string `json:"version"`
	Name      string `json:"name"`
	Status    string `json:"status"`
	CreatedAt string `json:"createdAt"`
	// Created is false when the server already had this version with the
	// same document (200 rather than 201).
	Created bool `json:"-"`
}

// PushApp stores doc, a declarative app, as a version of the account's app
// of its key. A version is immutable: the same version with another
// document is an *Error with StatusCode 409; the same document again
// changes nothing (Created is false). An invalid app is an *Error listing
// every problem with its path.
func (c *Client) PushApp(ctx context.Context, doc json.RawMessage) (App, error) {
	var out App
	h, err := c.do(ctx, request{method: http.MethodPost, path: []string{"apps"}, body: jsonBody(doc)}, &out)
	if err != nil {
		return App{}, err
	}
	out.Created = h.Get("Location") != ""
	return out, nil
}
