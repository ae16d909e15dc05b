package apiclient

import (
	"context"
	"encoding/json"
	"net/http"
)

// App is one stored version of a declarative app (docs/apps.md), the
// account's or the platform's, as the apps routes answer it.
type App struct {
	Key     string `json:"key"`
	Version string `json:"version"`
	Name    string `json:"name"`
	// Status is the document's (stable or beta), or deprecated once the
	// version is.
	Status string `json:"status"`
	// Owner is "account" or "platform".
	Owner       string          `json:"owner"`
	Deprecation *AppDeprecation `json:"deprecation,omitempty"`
	CreatedAt   string          `json:"createdAt"`
	// Created is false when the server already had this version with the
	// same document (200 rather than 201).
	Created bool `json:"-"`
}

// AppDeprecation is a deprecated version's last supported day
// (YYYY-MM-DD), the version to move to and why.
type AppDeprecation struct {
	Date        string `json:"date"`
	Replacement string `json:"replacement"`
	Note        string `json:"note,omitempty"`
}

// AppOptions say whose apps a call works on.
type AppOptions struct {
	// Platform works on the platform's apps, which every account can use,
	// instead of the account's; storing one takes an admin key of an
	// operators' account.
	Platform bool
}

// PushApp stores doc, a declarative app, as a version of the app of its
// key (POST /apps). A version is immutable: the same version with another
// document is an *Error with StatusCode 409; the same document again
// changes nothing (Created is false). An invalid app is an *Error listing
// every problem with its path.
func (c *Client) PushApp(ctx context.Context, doc json.RawMessage, opts AppOptions) (App, error) {
	return c.storeApp(ctx, request{method: http.MethodPost, path: []string{"apps"}, platform: opts.Platform, body: jsonBody(doc)})
}

// PutAppVersion stores doc as version version of app key (PUT
// /apps/{key}/versions/{version}), as PushApp does; the document must say
// that key and version.
func (c *Client) PutAppVersion(ctx context.Context, key, version string, doc json.RawMessage, opts AppOptions) (App, error) {
	return c.storeApp(ctx, request{method: http.MethodPut, path: []string{"apps", key, "versions", version}, platform: opts.Platform, body: jsonBody(doc)})
}

func (c *Client) storeApp(ctx context.Context, r request) (App, error) {
	var out App
	h, err := c.do(ctx, r, &out)
	if err != nil {
		return App{}, err
	}
	out.Created = h.Get("Location") != ""
	return out, nil
}
