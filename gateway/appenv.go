package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/store"
)

// Environment variables per account and app version: non-secret values in the metadata store,
// secret ones in Vault in one entry per account, app and version, written with check-and-set.
// Answers show a secret variable as {"set": true}, never its value.

// envView is an app version's environment as the API shows it.
type envView struct {
	App        string `json:"app"`
	AppVersion string `json:"appVersion"`
	// Variables maps each set variable to its value, or to {"set": true} when it is secret.
	Variables map[string]any `json:"variables"`
	// Declared lists the variables the app version reads, whether set or not.
	Declared []declaredEnvVar `json:"declared"`
	// CustomEnv says whether variables other than the declared ones may be set.
	CustomEnv bool `json:"customEnv"`
}

type declaredEnvVar struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Secret      bool   `json:"secret"`
	Required    bool   `json:"required"`
	Set         bool   `json:"set"`
}

func viewEnv(spec connectors.Spec, vars []store.EnvVar) envView {
	out := envView{App: spec.ID, AppVersion: spec.Version, Variables: map[string]any{}, Declared: []declaredEnvVar{}, CustomEnv: spec.CustomEnv}
	for _, v := range vars {
		if v.Secret {
			out.Variables[v.Name] = map[string]bool{"set": true}
		} else {
			out.Variables[v.Name] = v.Value
		}
	}
	for _, e := range spec.Env {
		_, set := out.Variables[e.Name]
		out.Declared = append(out.Declared, declaredEnvVar{Name: e.Name, Description: e.Description, Secret: e.Secret, Required: e.Required, Set: set})
	}
	return out
}

// envApp finds the app version the path names, answering 404 when there is none.
func (g *Gateway) envApp(c *gin.Context) (connectors.Spec, bool) {
	app, version := c.Param("app"), c.Param("version")
	conn, err := g.connectors.Lookup(app, version)
	if err != nil || version == "" {
		g.fail(c, http.StatusNotFound, codeNotFound, fmt.Sprintf("No app %q with version %q: GET /api/v1/manifest lists them.", app, version), nil)
		return connectors.Spec{}, false
	}
	return conn.Spec(), true
}

func (g *Gateway) getEnv(c *gin.Context) {
	spec, ok := g.envApp(c)
	if !ok {
		return
	}
	vars, err := g.store.EnvVars(c.Request.Context(), c.Param("accountId"), spec.ID, spec.Version)
	if err != nil {
		g.failInternal(c, http.StatusServiceUnavailable, "Could not read the environment variables", err)
		return
	}
	c.JSON(http.StatusOK, viewEnv(spec, vars))
}

// putEnv sets the variables named in the body and leaves the others as they are.
func (g *Gateway) putEnv(c *gin.Context) {
	var req struct {
		Variables map[string]struct {
			Value  *string `json:"value"`
			Secret *bool   `json:"secret"`
		} `json:"variables"`
	}
	if !g.decodeStrict(c, &req) {
		return
	}
	spec, ok := g.envApp(c)
	if !ok {
		return
	}
	declared := map[string]connectors.EnvVar{}
	var names []string
	for _, e := range spec.Env {
		declared[e.Name] = e
		names = append(names, e.Name)
	}
	accountID := c.Param("accountId")
	var problems []fieldError
	bad := func(name, code, format string, args ...any) {
		problems = append(problems, fieldError{Path: "variables." + name, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	if len(req.Variables) == 0 {
		problems = append(problems, fieldError{Path: "variables", Code: "required", Message: "must set at least one variable"})
	}
	var vars []store.EnvVar
	secrets := map[string]string{}
	for name, in := range req.Variables {
		d, isDeclared := declared[name]
		switch {
		case !store.ValidEnvName(name):
			bad(name, "invalid_value", "is not a valid name: UPPER_SNAKE_CASE, a letter first, at most %d characters", store.MaxEnvNameLen)
			continue
		case !isDeclared && !spec.CustomEnv:
			bad(name, "not_allowed", "is not an environment variable of %s %s (it has: %s)", spec.ID, spec.Version, listOrNone(names))
			continue
		case in.Value == nil || *in.Value == "":
			bad(name, "required", "value is required (delete a variable with DELETE .../env/%s)", name)
			continue
		case len(*in.Value) > store.MaxEnvValueLen:
			bad(name, "invalid_value", "value is longer than %d bytes", store.MaxEnvValueLen)
			continue
		}
		secret := d.Secret
		if !isDeclared {
			secret = in.Secret != nil && *in.Secret
		} else if in.Secret != nil && *in.Secret != d.Secret {
			bad(name, "invalid_value", "secret must be %t: %s %s declares it so", d.Secret, spec.ID, spec.Version)
			continue
		}
		v := store.EnvVar{AccountID: accountID, App: spec.ID, AppVersion: spec.Version, Name: name, Secret: secret}
		if secret {
			secrets[name] = *in.Value
		} else {
			v.Value = *in.Value
		}
		vars = append(vars, v)
	}
	if len(problems) > 0 {
		sort.Slice(problems, func(i, j int) bool { return problems[i].Path < problems[j].Path })
		g.fail(c, http.StatusBadRequest, codeInvalidParameter, problems[0].Path+": "+problems[0].Message, problems)
		return
	}

	ctx := c.Request.Context()
	existing, err := g.store.EnvVars(ctx, accountID, spec.ID, spec.Version)
	if err != nil {
		g.failInternal(c, http.StatusServiceUnavailable, "Could not read the environment variables", err)
		return
	}
	// A custom variable that stops being secret leaves Vault.
	var unset []string
	for _, old := range existing {
		for _, v := range vars {
			if v.Name == old.Name && old.Secret && !v.Secret {
				unset = append(unset, old.Name)
			}
		}
	}
	// Vault first: a row that says a secret is set never points at a value that is not there.
	// When no secret variable is left, the entry goes.
	if len(secrets) > 0 || len(unset) > 0 {
		var err error
		if len(secrets) == 0 && secretsLeft(existing, unset) == 0 {
			err = g.secrets.DeleteEnv(ctx, accountID, spec.ID, spec.Version)
		} else {
			err = g.secrets.UpdateEnv(ctx, accountID, spec.ID, spec.Version, secrets, unset)
		}
		if err != nil {
			g.failSecrets(c, "Could not store the secret environment variables", err)
			return
		}
	}
	if err := g.store.SetEnvVars(ctx, accountID, spec.ID, spec.Version, vars); err != nil {
		g.failStore(c, "Could not store the environment variables", err)
		return
	}
	all, err := g.store.EnvVars(ctx, accountID, spec.ID, spec.Version)
	if err != nil {
		g.failInternal(c, http.StatusServiceUnavailable, "Could not read the environment variables", err)
		return
	}
	c.JSON(http.StatusOK, viewEnv(spec, all))
}

// deleteEnv deletes one variable, its Vault value included.
func (g *Gateway) deleteEnv(c *gin.Context) {
	spec, ok := g.envApp(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	accountID, name := c.Param("accountId"), c.Param("name")
	existing, err := g.store.EnvVars(ctx, accountID, spec.ID, spec.Version)
	if err != nil {
		g.failInternal(c, http.StatusServiceUnavailable, "Could not read the environment variables", err)
		return
	}
	var found *store.EnvVar
	for i := range existing {
		if existing[i].Name == name {
			found = &existing[i]
		}
	}
	if found == nil {
		g.fail(c, http.StatusNotFound, codeNotFound, fmt.Sprintf("Environment variable %s is not set for %s %s.", name, spec.ID, spec.Version), nil)
		return
	}
	if found.Secret {
		var err error
		if secretsLeft(existing, []string{name}) == 0 {
			// The last one: its entry goes, not only its value.
			err = g.secrets.DeleteEnv(ctx, accountID, spec.ID, spec.Version)
		} else {
			err = g.secrets.UpdateEnv(ctx, accountID, spec.ID, spec.Version, nil, []string{name})
		}
		if err != nil {
			g.failSecrets(c, "Could not delete the secret environment variable", err)
			return
		}
	}
	if err := g.store.DeleteEnvVar(ctx, accountID, spec.ID, spec.Version, name); err != nil && !errors.Is(err, store.ErrNotFound) {
		g.failInternal(c, http.StatusServiceUnavailable, "Could not delete the environment variable", err)
		return
	}
	c.Status(http.StatusNoContent)
}

// secretsLeft counts the secret variables of existing that remain when the
// ones named in gone are no longer secret or no longer set.
func secretsLeft(existing []store.EnvVar, gone []string) int {
	n := 0
	for _, v := range existing {
		if v.Secret && !slices.Contains(gone, v.Name) {
			n++
		}
	}
	return n
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
