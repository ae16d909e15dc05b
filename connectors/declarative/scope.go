package declarative

import (
	"fmt"
	"slices"
	"strings"

	"github.com/junction-run/junction/definition"
)

// scope is where a template is, and so which app variables it reads: an
// action's templates read its input, a trigger's subscribe request the
// webhook URL Junction gives the app, its renew and unsubscribe requests
// the subscription too.
type scope struct {
	where string   // as messages name it: "an action"
	vars  []string // the app variables it reads, in the order messages list them
}

var (
	actionScope       = scope{"an action", []string{"input", "connection", "env"}}
	subscribeScope    = scope{"a subscribe request", []string{"connection", "env", "webhook"}}
	subscriptionScope = scope{"a renew or unsubscribe request", []string{"connection", "env", "webhook", "subscription"}}
)

// list is the scope's variables in words: "input, connection and env".
func (s scope) list() string {
	return strings.Join(s.vars[:len(s.vars)-1], ", ") + " and " + s.vars[len(s.vars)-1]
}

// propertyNames are the names of the app's connection properties.
func (a *App) propertyNames() map[string]bool {
	props := map[string]bool{}
	for _, p := range a.Properties {
		props[p.Name] = true
	}
	return props
}

// refsIn returns the check of the variables templates in scope s read: it
// reports a variable the scope does not have, a connection property not
// among props, and an environment variable the app does not declare.
func (a *App) refsIn(v *validator, s scope, props map[string]bool) func(path string, refs []ref) {
	envs := map[string]bool{}
	for _, e := range a.Env {
		envs[e.Name] = true
	}
	return func(path string, refs []ref) {
		for _, r := range refs {
			switch {
			case !slices.Contains(s.vars, r.root):
				v.add(path, definition.CodeUnknownVariable, fmt.Sprintf("reads %s, which %s does not have: its templates read %s", r.root, s.where, s.list()))
			case r.name == "":
			case r.root == "connection" && !props[r.name]:
				v.add(path, definition.CodeUnknownVariable, fmt.Sprintf("reads connection.%s, which is not one of the app's properties", r.name))
			case r.root == "env" && !envs[r.name]:
				v.add(path, definition.CodeUnknownVariable, fmt.Sprintf("reads env.%s, which is not one of the app's env variables", r.name))
			}
		}
	}
}

// templateWith returns the check of one template string: it compiles it,
// reports its problems at path and checks what it reads with checkRefs.
func templateWith(v *validator, checkRefs func(path string, refs []ref)) func(path, src string) tmpl {
	return func(path, src string) tmpl {
		t, refs, problems := compileTemplate(src)
		for _, p := range problems {
			v.add(path, p.code, p.msg)
		}
		checkRefs(path, refs)
		return t
	}
}
