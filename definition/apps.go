package definition

import (
	"regexp"
	"sort"
)

// semverPattern is a semantic version (https://semver.org) without a leading v, as connector
// versions are written: 1.2.0, 2.0.0-beta.1.
var semverPattern = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
	`(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
	`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

// UsedApps lists, sorted, the connectors the document uses: the app of every connector-action
// step ("shopify" for shopify.update_order), nested ones included, and the app of an app trigger
// ("shopify" for shopify.orders_create). Built-in step types and triggers use none.
func (d *Document) UsedApps() []string {
	seen := map[string]bool{}
	if app, _, ok := ConnectorAction(d.Trigger); ok {
		seen[app] = true
	}
	var walk func(steps []Step)
	walk = func(steps []Step) {
		for _, s := range steps {
			if app, _, ok := ConnectorAction(s.StepType); ok {
				seen[app] = true
			}
			for _, block := range s.Do {
				walk(block)
			}
		}
	}
	walk(d.Definition.Steps)
	out := make([]string, 0, len(seen))
	for app := range seen {
		out = append(out, app)
	}
	sort.Strings(out)
	return out
}

// decodeApps reads the optional "apps" object: connector id -> version.
func (d *decoder) apps(root map[string]any) map[string]string {
	raw, ok := d.object(root, "apps", "apps")
	if !ok {
		return nil
	}
	out := make(map[string]string, len(raw))
	for _, app := range sortedKeys(raw) {
		v, isString := raw[app].(string)
		if !isString {
			d.fail(PathKey("apps", app), "must be a version string such as \"1.0.0\"")
			continue
		}
		out[app] = v
	}
	return out
}

// apps checks the apps block on its own: ids and versions well formed, and every app named used
// by a step or the trigger. Whether the versions exist is the connector registry's to say, when
// the definition is saved.
func (v *validator) apps(d *Document) {
	used := map[string]bool{}
	for _, app := range d.UsedApps() {
		used[app] = true
	}
	for _, app := range sortedKeys(d.Apps) {
		p := PathKey("apps", app)
		version := d.Apps[app]
		switch {
		case !lowerIdent(app):
			v.fail(p, CodeInvalidValue, "%q is not an app id: lower-case letters, digits and _, starting with a letter", app)
		case version == "":
			v.fail(p, CodeRequired, "must name a version such as \"1.0.0\"")
		case !semverPattern.MatchString(version):
			v.fail(p, CodeInvalidValue, "%q is not a semantic version such as \"1.0.0\" (no leading v)", version)
		case !used[app]:
			v.fail(p, CodeNotAllowed, "no step or trigger uses %s; remove it, or add a %s.<action> step", app, app)
		}
	}
}
