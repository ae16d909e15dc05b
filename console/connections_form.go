package console

import (
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/junction-run/junction/connectors"
)

// connectionForm is the form a connection is created or edited with,
// generated from the account's manifest: the auth kind's fields and the
// app's custom properties.
type connectionForm struct {
	// Edit says the form changes Conn rather than creating one.
	Edit bool
	Conn connection
	// Apps are the apps to pick from while none is picked.
	Apps []connectors.ManifestConnector
	App  connectors.ManifestConnector
	Spec connectors.Spec
	Auth *connectors.AuthSpec
	Name formInput
	// Fields are the auth kind's fields, Properties the app's custom ones.
	Fields, Properties []formInput
}

// formInput is one input of a form. Its Path is at once its form name
// and the JSON path the API names its problems with ("fields.token").
type formInput struct {
	Path        string
	Label       string
	Description string
	// Kind is the input's type: text, password, number, url, checkbox or
	// select (with Options).
	Kind     string
	Step     string
	Options  []string
	Required bool
	Secret   bool
	// Set says a secret has a value already (when editing): the input is
	// left empty, and an empty input keeps the value.
	Set bool
	// Value is the input's value; never a secret's.
	Value    string
	Problems []string
}

// ID is the input's element id, for its <label for>.
func (in formInput) ID() string { return "f-" + in.Path }

// inputFor is the input of a manifest field at path, with value.
func inputFor(path string, f connectors.Field, value string) formInput {
	in := formInput{Path: path, Label: f.Name, Description: f.Description, Required: f.Required, Secret: f.Secret, Kind: "text"}
	switch {
	case f.Secret:
		in.Kind = "password"
	case len(f.Enum) > 0:
		in.Kind, in.Options = "select", f.Enum
	case f.Type == connectors.FieldBoolean:
		in.Kind, in.Required = "checkbox", false // unchecked is a value: false
	case f.Type == connectors.FieldInteger:
		in.Kind, in.Step = "number", "1"
	case f.Type == connectors.FieldNumber:
		in.Kind, in.Step = "number", "any"
	case f.Type == connectors.FieldURL:
		in.Kind = "url"
	}
	if !f.Secret {
		in.Value = value
	}
	return in
}

// posted is the form's value for in: a checkbox is "true" or "false".
func (in formInput) posted(r *http.Request) string {
	if in.Kind == "checkbox" {
		return strconv.FormatBool(r.PostForm.Has(in.Path))
	}
	return r.PostFormValue(in.Path)
}

// sameValue says whether a posted value is the one the connection had;
// an unchecked checkbox is the same as no value.
func (in formInput) sameValue(posted, had string) bool {
	if in.Kind == "checkbox" && had == "" {
		had = "false"
	}
	return posted == had
}

// newForm is the form for spec's auth kind auth, with values from value
// (name and a field's path to its value) and the defaults of fields it
// has none for.
func newForm(app connectors.ManifestConnector, spec connectors.Spec, auth *connectors.AuthSpec, value func(path string) (string, bool)) connectionForm {
	f := connectionForm{App: app, Spec: spec, Auth: auth}
	name, _ := value("name")
	f.Name = formInput{Path: "name", Label: "name", Description: "What people call the connection, e.g. Production store.", Kind: "text", Value: name}
	get := func(path string, fd connectors.Field) string {
		if v, ok := value(path); ok {
			return v
		}
		return fd.Default
	}
	for _, fd := range auth.Fields {
		f.Fields = append(f.Fields, inputFor("fields."+fd.Name, fd, get("fields."+fd.Name, fd)))
	}
	for _, fd := range spec.Properties {
		f.Properties = append(f.Properties, inputFor("properties."+fd.Name, fd, get("properties."+fd.Name, fd)))
	}
	return f
}

// withProblems places the API's problems next to the inputs at their
// paths; the page lists them all above the form as well.
func (f *connectionForm) withProblems(err error) {
	var ae *APIError
	if !errors.As(err, &ae) {
		return
	}
	for _, p := range ae.Errors {
		for _, in := range f.inputs() {
			if in.Path == p.Path {
				in.Problems = append(in.Problems, p.Message)
			}
		}
	}
}

// inputs are the form's inputs, to change in place.
func (f *connectionForm) inputs() []*formInput {
	out := []*formInput{&f.Name}
	for i := range f.Fields {
		out = append(out, &f.Fields[i])
	}
	for i := range f.Properties {
		out = append(out, &f.Properties[i])
	}
	return out
}

// newConnectionPage picks an app (?app=), then its version and auth kind
// (?version=, ?authKind=, the default version and the first kind unless
// said), and shows the form for them.
func (c *Console) newConnectionPage(w http.ResponseWriter, r *http.Request, s *Session) {
	manifest, err := c.manifest(r, s)
	if err != nil {
		c.render(w, r, statusOf(err), "connection_form", s, pageData{Title: "New connection", Section: "connections", Error: err})
		return
	}
	q := r.URL.Query()
	if q.Get("app") == "" {
		c.render(w, r, http.StatusOK, "connection_form", s, pageData{Title: "New connection", Section: "connections",
			Data: connectionForm{Apps: manifest.Connectors}})
		return
	}
	form, err := formFor(manifest, q.Get("app"), q.Get("version"), q.Get("authKind"), func(string) (string, bool) { return "", false })
	status := http.StatusOK
	if err != nil {
		status, form.Apps = http.StatusNotFound, manifest.Connectors
	}
	c.render(w, r, status, "connection_form", s, pageData{Title: "New connection", Section: "connections", Error: err, Data: form})
}

// formFor is the form for an app's version and auth kind, "" being the
// default version and the first kind; an error says which is unknown.
func formFor(manifest accountManifest, appID, version, kind string, value func(string) (string, bool)) (connectionForm, error) {
	app, spec, ok := manifest.appVersion(appID, version)
	if !ok {
		return connectionForm{}, &APIError{Status: http.StatusNotFound, Message: "The account cannot use app " + appID + " " + version + ".",
			Errors: []FieldError{{Path: "app", Message: "is not in the account's manifest"}}}
	}
	if kind == "" && len(spec.Auth) > 0 {
		kind = string(spec.Auth[0].Kind)
	}
	auth := authSpec(spec, kind)
	if auth == nil {
		return connectionForm{App: app, Spec: spec}, &APIError{Status: http.StatusNotFound, Message: spec.Name + " " + spec.Version + " does not authenticate with " + kind + ".",
			Errors: []FieldError{{Path: "authKind", Message: "is not one of the app's auth kinds"}}}
	}
	return newForm(app, spec, auth, value), nil
}

// createConnection sends the form to POST /connections; the API's
// problems come back next to their inputs.
func (c *Console) createConnection(w http.ResponseWriter, r *http.Request, s *Session) {
	manifest, err := c.manifest(r, s)
	if err != nil {
		c.render(w, r, statusOf(err), "connection_form", s, pageData{Title: "New connection", Section: "connections", Error: err})
		return
	}
	_ = r.ParseForm()
	form, err := formFor(manifest, r.PostFormValue("app"), r.PostFormValue("appVersion"), r.PostFormValue("authKind"), func(path string) (string, bool) {
		return r.PostFormValue(path), r.PostForm.Has(path)
	})
	if err == nil {
		body := map[string]any{"app": form.Spec.ID, "appVersion": form.Spec.Version, "authKind": string(form.Auth.Kind),
			"name": r.PostFormValue("name"), "fields": postedValues(r, form.Fields), "properties": postedValues(r, form.Properties)}
		var saved connection
		if err = c.call(r, http.MethodPost, s.AccountPath("/connections"), body, &saved); err == nil {
			http.Redirect(w, r, "/console/connections/"+url.PathEscape(saved.ID)+"?notice=created", http.StatusSeeOther)
			return
		}
		form.withProblems(err)
	} else {
		form.Apps = manifest.Connectors
	}
	c.render(w, r, statusOf(err), "connection_form", s, pageData{Title: "New connection", Section: "connections", Error: err, Data: form})
}

// postedValues are the inputs' posted values, those left empty omitted:
// the API treats an empty value as none.
func postedValues(r *http.Request, inputs []formInput) map[string]string {
	out := map[string]string{}
	for _, in := range inputs {
		if v := in.posted(r); v != "" {
			out[fieldName(in.Path)] = v
		}
	}
	return out
}

// fieldName is the field's name in a path "fields.<name>" or
// "properties.<name>".
func fieldName(path string) string {
	for _, prefix := range []string{"fields.", "properties."} {
		if name, ok := strings.CutPrefix(path, prefix); ok {
			return name
		}
	}
	return path
}

// editForm reads the connection of the path and its form, filled in with
// its values (secrets only as set or not set).
func (c *Console) editForm(r *http.Request, s *Session) (connectionForm, error) {
	var conn connection
	if err := c.call(r, http.MethodGet, s.AccountPath("/connections/"+url.PathEscape(r.PathValue("id"))), nil, &conn); err != nil {
		return connectionForm{}, err
	}
	manifest, err := c.manifest(r, s)
	if err != nil {
		return connectionForm{Conn: conn}, err
	}
	form, err := formFor(manifest, conn.App, conn.AppVersion, conn.AuthKind, func(path string) (string, bool) {
		switch name := fieldName(path); {
		case path == "name":
			return conn.Name, true
		case path == "fields."+name:
			v, ok := conn.plainField(name)
			return v, ok
		default:
			v, ok := conn.Properties[name]
			return v, ok
		}
	})
	if err != nil {
		// The app version or its auth kind is gone: the connection can be
		// read and deleted, not edited.
		return connectionForm{Conn: conn}, err
	}
	form.Edit, form.Conn = true, conn
	for i := range form.Fields {
		form.Fields[i].Set = form.Fields[i].Secret && conn.secretSet(fieldName(form.Fields[i].Path))
	}
	return form, nil
}

// editConnectionPage is the connection's form: its values filled in, its
// secret inputs empty.
func (c *Console) editConnectionPage(w http.ResponseWriter, r *http.Request, s *Session) {
	form, err := c.editForm(r, s)
	c.render(w, r, statusOf(err), "connection_form", s, pageData{Title: "Edit connection", Section: "connections", Error: err, Data: form})
}

// updateConnection sends PUT /connections/{id} with what the person
// changed, at the version the form was made from. The API keeps what a
// PUT omits: the name, the properties, the fields as a whole, and each
// secret field, so a secret input left empty is omitted and keeps its
// value; the fields, when any changed, are sent whole, as the API replaces
// the non-secret ones.
func (c *Console) updateConnection(w http.ResponseWriter, r *http.Request, s *Session) {
	form, err := c.editForm(r, s)
	if err != nil {
		c.render(w, r, statusOf(err), "connection_form", s, pageData{Title: "Edit connection", Section: "connections", Error: err, Data: form})
		return
	}
	_ = r.ParseForm()
	conn := form.Conn
	body := map[string]any{}
	if v, err := strconv.Atoi(r.PostFormValue("version")); err == nil {
		body["version"] = v
	}
	changed := false
	if name := r.PostFormValue("name"); name != conn.Name {
		body["name"], changed = name, true
	}

	fields, fieldsChanged := map[string]any{}, false
	cleared := r.PostForm["clear"]
	for _, in := range form.Fields {
		name, v := fieldName(in.Path), in.posted(r)
		switch {
		case in.Secret && slices.Contains(cleared, name) && in.Set && !in.Required:
			fields[name], fieldsChanged = "", true
		case in.Secret && v != "":
			fields[name], fieldsChanged = v, true
		case in.Secret:
			// left empty: omitted, so the API keeps it
		default:
			had, _ := conn.plainField(name)
			fieldsChanged = fieldsChanged || !in.sameValue(v, had)
			if v != "" {
				fields[name] = v
			}
		}
	}
	if fieldsChanged {
		body["fields"], changed = fields, true
	}

	props, propsChanged := map[string]string{}, false
	listed := map[string]bool{}
	for _, in := range form.Properties {
		name, v := fieldName(in.Path), in.posted(r)
		listed[name] = true
		propsChanged = propsChanged || !in.sameValue(v, conn.Properties[name])
		if v != "" {
			props[name] = v
		}
	}
	if propsChanged {
		// Properties the app no longer lists are kept as they are.
		for name, v := range maps.All(conn.Properties) {
			if !listed[name] {
				props[name] = v
			}
		}
		body["properties"], changed = props, true
	}

	path := "/console/connections/" + url.PathEscape(conn.ID)
	if !changed {
		http.Redirect(w, r, path+"?notice=unchanged", http.StatusSeeOther)
		return
	}
	err = c.call(r, http.MethodPut, s.AccountPath("/connections/"+url.PathEscape(conn.ID)), body, nil)
	if err == nil {
		http.Redirect(w, r, path+"?notice=saved", http.StatusSeeOther)
		return
	}
	// Shown again as posted, secrets excepted, with the API's problems.
	form.Name.Value = r.PostFormValue("name")
	if v, err := strconv.Atoi(r.PostFormValue("version")); err == nil {
		form.Conn.Version = v // still the version the person edited
	}
	for _, in := range form.inputs()[1:] {
		if !in.Secret {
			in.Value = in.posted(r)
		}
	}
	form.withProblems(err)
	c.render(w, r, statusOf(err), "connection_form", s, pageData{Title: "Edit connection", Section: "connections", Error: err, Data: form})
}
