package declarative

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/httpconn"
	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/egress"
)

// Connector returns the app as a connector version: its spec, and one
// action per declared action that renders its request from the app's
// data and sends it with httpconn.Do through the call's authenticated
// client, with one connectors.JSONWebhook per declared webhook trigger
// whose Verify is the trigger's signature scheme, and one
// connectors.Poller per polling trigger (see Poll). It reports the app's
// problems as Check does.
func (a *App) Connector() (connectors.Connector, error) {
	var v validator
	b := a.check(&v)
	if err := v.err(); err != nil {
		return nil, err
	}
	r := &runtime{spec: b.spec, props: propList(a.Properties, "")}
	r.baseURL, r.wholeBase = urlParts(b.baseURL.expr)
	for _, au := range b.spec.Auth {
		for _, f := range au.Fields {
			if f.Secret && !slices.Contains(r.secretFields, f.Name) {
				r.secretFields = append(r.secretFields, f.Name)
			}
		}
	}
	actions := make([]connectors.Action, len(b.actions))
	for i, c := range b.actions {
		actions[i] = &runner{rt: r, a: c}
	}
	pollers := make([]connectors.Poller, len(b.polls))
	for i, p := range b.polls {
		pollers[i] = &poller{rt: r, p: p}
	}
	c := connectors.New(b.spec, actions...).WithWebhooks(b.hooks...).WithPollers(pollers...)
	if b.test != nil {
		c.WithCheck((&runner{rt: r, a: b.test}).check)
	}
	return r.withSubscriptions(c, b.subscriptions), nil
}

// runtime is what every action of one app shares.
type runtime struct {
	spec         connectors.Spec
	baseURL      []pathPart
	wholeBase    bool // the base URL is one expression, inserted as is
	secretFields []string
	props        []prop // the app's properties
}

func urlParts(expr string) ([]pathPart, bool) {
	segs, err := splitTemplate(expr)
	if err != nil {
		return []pathPart{{text: expr}}, false
	}
	var parts []pathPart
	for _, s := range segs {
		if s.Expr {
			parts = append(parts, pathPart{expr: "{{" + s.Text + "}}"})
		} else {
			parts = append(parts, pathPart{text: s.Text})
		}
	}
	return parts, len(parts) == 1 && parts[0].expr != ""
}

// runner is one action of an app.
type runner struct {
	rt *runtime
	a  *action
}

var _ connectors.Action = (*runner)(nil)

// Spec returns the declaration.
func (r *runner) Spec() connectors.ActionSpec { return r.a.spec }

// Run checks the input, renders the request, sends it and maps the
// answer. It never retries.
func (r *runner) Run(ctx context.Context, call connectors.Call) (any, error) {
	raw := call.Input
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = json.RawMessage("{}")
	}
	if err := r.a.spec.Input.Validate(raw); err != nil {
		return nil, connectors.Errorf(connectors.BadRequest, "input of %s: %v", r.a.spec.ID, err)
	}
	var input any
	if err := json.Unmarshal(raw, &input); err != nil {
		return nil, connectors.Errorf(connectors.BadRequest, "input of %s: %v", r.a.spec.ID, err)
	}

	return r.send(ctx, call, map[string]any{"input": input})
}

// send renders the request with vars (the values of the app variables its
// templates read besides connection and env), sends it and maps the
// answer.
func (r *runner) send(ctx context.Context, call connectors.Call, vars map[string]any) (any, error) {
	secrets := r.rt.secrets(call)
	ctx = egress.WithSecrets(ctx, secrets...)
	scrub := egress.NewScrubber(secrets...)
	fail := func(what string, err error) error {
		return connectors.Errorf(connectors.BadRequest, "%s: rendering %s: %s", r.a.spec.ID, what, unrewrite(scrub.Scrub(err.Error())))
	}
	render := func(vars map[string]any) (httpconn.Request, error) {
		req, err := r.rt.render(&r.a.request, definition.Env{Data: r.rt.data(call, vars, r.a.props)}, call, fail)
		req.Extract = r.a.outputs
		req.SuccessStatuses = r.a.statuses.success
		return req, err
	}
	if r.a.pagination != nil {
		page := func(page any) (httpconn.Request, error) {
			paged := maps.Clone(vars)
			paged["page"] = page
			return render(paged)
		}
		return r.a.pagination.run(ctx, call, page, r.a.statuses, scrub)
	}
	req, err := render(vars)
	if err != nil {
		return nil, err
	}
	resp, err := httpconn.Do(ctx, call.HTTP, req)
	if err != nil {
		return nil, r.a.statuses.failure(err, scrub)
	}
	if len(r.a.outputs) > 0 {
		return resp.Extracted, nil
	}
	return resp.Body, nil
}

// render renders a compiled request with the data in env, for call: the
// URL (the app's base URL and the request's path), the query, the headers
// (with the idempotency key, where the request carries one) and the body.
// A template that fails to render is fail(what, err).
func (rt *runtime) render(rq *request, env definition.Env, call connectors.Call, fail func(what string, err error) error) (httpconn.Request, error) {
	base, err := renderURL(rt.baseURL, rt.wholeBase, env, hostEscape)
	if err != nil {
		return httpconn.Request{}, fail("baseUrl", err)
	}
	path, err := renderURL(rq.path, false, env, url.PathEscape)
	if err != nil {
		return httpconn.Request{}, fail("path", err)
	}
	req := httpconn.Request{
		Method:          rq.method,
		URL:             strings.TrimSuffix(base, "/") + path,
		SuccessStatuses: defaultSuccess,
	}
	if req.Query, err = renderTexts(rq.query, env); err != nil {
		return httpconn.Request{}, fail("query", err)
	}
	if req.Headers, err = renderTexts(rq.headers, env); err != nil {
		return httpconn.Request{}, fail("headers", err)
	}
	if h := rq.idempotencyHeader; h != "" {
		req.Headers = httpconn.WithIdempotencyKey(req.Headers, &h, call.IdempotencyKey)
	}
	if b := rq.body; b != nil {
		v, err := definition.Render(b.value, env)
		if err != nil {
			return httpconn.Request{}, fail("body", err)
		}
		req.BodyFormat, req.Body, req.XMLRoot = b.format, dropNulls(v), b.root
	} else {
		req.BodyFormat = "none"
	}
	if call.MaxResponseBytes > 0 {
		req.MaxResponseBytes = min(httpconn.DefaultMaxResponseBytes, call.MaxResponseBytes)
	}
	return req, nil
}

// data is what templates read: vars (an action's input; a poll's cursor
// and page), connection (the app's declared properties and an action's
// own, defaults filled in) and env (the declared variables that are set).
func (rt *runtime) data(call connectors.Call, vars map[string]any, actionProps []prop) map[string]any {
	props := connectionData(call, rt.props, actionProps)
	envs := map[string]any{}
	for _, e := range rt.spec.Env {
		if v, ok := call.Env[e.Name]; ok {
			envs[e.Name] = v
		}
	}
	data := map[string]any{"connection": props, "env": envs}
	maps.Copy(data, vars)
	return data
}

// secrets are the values no error may quote: the connection's secret
// fields and the secret environment variables.
func (rt *runtime) secrets(call connectors.Call) []string {
	var out []string
	if call.Connection.Secrets != nil {
		for _, name := range rt.secretFields {
			if v, ok := call.Connection.Secrets.Secret(name); ok && v != "" {
				out = append(out, v)
			}
		}
	}
	for _, e := range rt.spec.Env {
		if v := call.Env.Get(e.Name); e.Secret && v != "" {
			out = append(out, v)
		}
	}
	return out
}

// hostEscape escapes a value inserted into a base URL with other text
// around it, so that it cannot change the URL's host, port, userinfo or
// path: everything but letters, digits and -._~ is percent-escaped.
func hostEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// renderURL renders a URL template part by part, escaping each value
// (unless whole: a template that is one expression is the URL itself).
func renderURL(parts []pathPart, whole bool, env definition.Env, escape func(string) string) (string, error) {
	var b strings.Builder
	for _, p := range parts {
		if p.expr == "" {
			b.WriteString(p.text)
			continue
		}
		v, err := definition.RenderString(p.expr, env)
		if err != nil {
			return "", err
		}
		if whole {
			return text(v), nil
		}
		b.WriteString(escape(text(v)))
	}
	return b.String(), nil
}

// renderTexts renders query parameters or headers; one that renders to
// null is left out.
func renderTexts(m map[string]tmpl, env definition.Env) (map[string]string, error) {
	if len(m) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v, err := definition.RenderString(m[k].expr, env)
		if err != nil {
			return nil, err
		}
		if v != nil {
			out[k] = text(v)
		}
	}
	return out, nil
}

// dropNulls leaves out the object keys whose value is null, at every
// depth, so an optional input that is not given is not sent.
func dropNulls(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if e != nil {
				out[k] = dropNulls(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = dropNulls(e)
		}
		return out
	}
	return v
}
