package gateway

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/junction-run/junction/manage"
)

// Environment variables per account and app version (manage.Environment).
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

func viewEnv(env manage.Env) envView {
	spec := env.Spec
	out := envView{App: spec.ID, AppVersion: spec.Version, Variables: map[string]any{}, Declared: []declaredEnvVar{}, CustomEnv: spec.CustomEnv}
	for _, v := range env.Vars {
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

func (g *Gateway) getEnv(c *gin.Context) error {
	env, err := g.environment.Get(c.Request.Context(), c.Param("accountId"), c.Param("app"), c.Param("version"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, viewEnv(env))
	return nil
}

// putEnv sets the variables named in the body and leaves the others as they are.
func (g *Gateway) putEnv(c *gin.Context) error {
	var req struct {
		Variables map[string]struct {
			Value  *string `json:"value"`
			Secret *bool   `json:"secret"`
		} `json:"variables"`
	}
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	values := make(map[string]manage.EnvValue, len(req.Variables))
	for name, v := range req.Variables {
		values[name] = manage.EnvValue{Value: v.Value, Secret: v.Secret}
	}
	env, err := g.environment.Set(c.Request.Context(), c.Param("accountId"), c.Param("app"), c.Param("version"), values)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, viewEnv(env))
	return nil
}

// deleteEnv deletes one variable, its Vault value included.
func (g *Gateway) deleteEnv(c *gin.Context) error {
	err := g.environment.Delete(c.Request.Context(), c.Param("accountId"), c.Param("app"), c.Param("version"), c.Param("name"))
	if err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
