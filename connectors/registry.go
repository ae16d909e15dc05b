package connectors

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/junction-run/junction/runs"
)

// Errors of Lookup and Action, wrapped with what was asked for; test with
// errors.Is.
var (
	ErrUnknownConnector = errors.New("unknown connector")
	ErrUnknownVersion   = errors.New("unknown connector version")
	ErrUnknownAction    = errors.New("unknown action")
	ErrUnknownTrigger   = errors.New("unknown trigger")
)

// Registry holds every connector version a process can run, by id and
// version. Register is meant for start-up; Lookup and the rest are safe to
// call concurrently from activities and API handlers.
type Registry struct {
	mu   sync.RWMutex
	byID map[string][]*entry // each sorted by version, oldest first
	// accountApps, when set, has the apps accounts keep as data
	// (LookupFor).
	accountApps AppSource
}

type entry struct {
	spec     Spec
	version  version
	conn     Connector
	actions  map[string]Action
	webhooks map[string]Webhook
	pollers  map[string]Poller
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{byID: map[string][]*entry{}}
}

// Register adds one connector version after checking it with
// CheckConnector. Several versions of a connector live side by side; the
// same id and version twice is refused.
func (r *Registry) Register(c Connector) error {
	if c == nil {
		return errors.New("registering a nil connector")
	}
	if err := CheckConnector(c); err != nil {
		return err
	}
	spec := c.Spec()
	ver, _ := parseVersion(spec.Version) // checked above
	e := &entry{spec: spec, version: ver, conn: c, actions: map[string]Action{}, webhooks: map[string]Webhook{}, pollers: map[string]Poller{}}
	for _, a := range c.Actions() {
		e.actions[a.Spec().ID] = a
	}
	if wc, ok := c.(WebhookConnector); ok {
		for _, h := range wc.Webhooks() {
			e.webhooks[h.Trigger()] = h
		}
	}
	if pc, ok := c.(PollConnector); ok {
		for _, pl := range pc.Pollers() {
			e.pollers[pl.Trigger()] = pl
		}
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	list := r.byID[spec.ID]
	for _, old := range list {
		if old.version.compare(ver) == 0 {
			return fmt.Errorf("registering connector %s %s: version %s is already registered", spec.ID, spec.Version, old.spec.Version)
		}
	}
	list = append(list, e)
	sort.Slice(list, func(i, j int) bool { return list[i].version.compare(list[j].version) < 0 })
	r.byID[spec.ID] = list
	return nil
}

// MustRegister is Register for start-up code that cannot go on without the
// connector; it panics on error.
func (r *Registry) MustRegister(c Connector) {
	if err := r.Register(c); err != nil {
		panic(err)
	}
}

// CheckConnector reports everything that keeps c from being registered:
// what Spec.Validate finds, plus disagreements between the spec and the
// code: a declared action without an implementation or the reverse, an
// implementation whose Spec() differs from the declaration, and a schema
// that is not the schema of the Go type the action decodes or returns
// (for actions that implement Typed), and a webhook or polling trigger
// without its code or the reverse (checkWebhooks, checkPollers).
func CheckConnector(c Connector) error {
	spec := c.Spec()
	p := &problems{}
	var se *SpecError
	if err := spec.Validate(); errors.As(err, &se) {
		p.list = append(p.list, se.Problems...)
	}
	declared := map[string]ActionSpec{}
	for _, a := range spec.Actions {
		declared[a.ID] = a
	}
	implemented := map[string]bool{}
	for i, a := range c.Actions() {
		if a == nil {
			p.add(fmt.Sprintf("Actions()[%d]", i), "is nil")
			continue
		}
		as := a.Spec()
		at := "actions[" + as.ID + "]"
		if implemented[as.ID] {
			p.add(at, "is implemented twice")
			continue
		}
		implemented[as.ID] = true
		decl, ok := declared[as.ID]
		if !ok {
			p.add(at, "is implemented but not declared in the spec")
			continue
		}
		if !sameJSON(decl, as) {
			p.add(at, "the spec's declaration differs from the implementation's Spec()")
		}
		if typed, ok := a.(Typed); ok {
			in, out := typed.Types()
			checkTypeSchema(p, at+".input", in, as.Input)
			checkTypeSchema(p, at+".output", out, as.Output)
		}
	}
	for _, a := range spec.Actions {
		if !implemented[a.ID] {
			p.add("actions["+a.ID+"]", "is declared but has no implementation")
		}
	}
	checkWebhooks(p, c)
	checkPollers(p, c)
	return p.err(spec.ID, spec.Version)
}

func checkTypeSchema(p *problems, at string, t reflect.Type, declared *Schema) {
	derived, err := SchemaOf(t)
	if err != nil {
		p.add(at, "the Go type has no schema: %v", err)
		return
	}
	if declared != nil && !sameJSON(derived, declared) {
		p.add(at, "differs from the schema of its Go type %s", t)
	}
}

func sameJSON(a, b any) bool {
	x, errX := json.Marshal(a)
	y, errY := json.Marshal(b)
	return errX == nil && errY == nil && bytes.Equal(x, y)
}

// Lookup finds a connector version. An empty version means the latest
// stable one: what a definition that names no version gets.
func (r *Registry) Lookup(id, version string) (Connector, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e, err := r.lookup(id, version)
	if err != nil {
		return nil, err
	}
	return e.conn, nil
}

func (r *Registry) lookup(id, ver string) (*entry, error) {
	list := r.byID[id]
	if len(list) == 0 {
		return nil, fmt.Errorf("%w %q", ErrUnknownConnector, id)
	}
	if ver == "" {
		if e := latestStable(list); e != nil {
			return e, nil
		}
		return nil, fmt.Errorf("%w: %s has no stable version; name one of %s", ErrUnknownVersion, id, versionList(list))
	}
	want, err := parseVersion(ver)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnknownVersion, err)
	}
	for _, e := range list {
		if e.version.compare(want) == 0 {
			return e, nil
		}
	}
	return nil, fmt.Errorf("%w: %s has no version %s; it has %s", ErrUnknownVersion, id, ver, versionList(list))
}

func latestStable(list []*entry) *entry {
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].spec.Status == StatusStable {
			return list[i]
		}
	}
	return nil
}

func versionList(list []*entry) string {
	vs := make([]string, len(list))
	for i, e := range list {
		vs[i] = e.spec.Version + " (" + string(e.spec.Status) + ")"
	}
	return strings.Join(vs, ", ")
}

// Action finds the implementation of an action of a connector version
// ("" for the latest stable).
func (r *Registry) Action(id, version, action string) (Action, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e, err := r.lookup(id, version)
	if err != nil {
		return nil, err
	}
	a, ok := e.actions[action]
	if !ok {
		return nil, fmt.Errorf("%w: %s %s has no action %q", ErrUnknownAction, id, e.spec.Version, action)
	}
	return a, nil
}

// Connectors returns the spec of every registered version, sorted by id
// and then by version, oldest first.
func (r *Registry) Connectors() []Spec {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []Spec
	for _, id := range sortedKeys(r.byID) {
		for _, e := range r.byID[id] {
			out = append(out, e.spec)
		}
	}
	return out
}

// DeprecatedVersion is a deprecated connector version, for the API that
// lists the definitions still on one.
type DeprecatedVersion struct {
	Connector   string `json:"connector"`
	Version     string `json:"version"`
	Date        string `json:"date"`
	Replacement string `json:"replacement"`
	Note        string `json:"note,omitempty"`
}

// Deprecated lists every deprecated version, soonest date first.
func (r *Registry) Deprecated() []DeprecatedVersion {
	var out []DeprecatedVersion
	for _, s := range r.Connectors() {
		if s.Status != StatusDeprecated || s.Deprecation == nil {
			continue
		}
		out = append(out, DeprecatedVersion{
			Connector: s.ID, Version: s.Version,
			Date: s.Deprecation.Date, Replacement: s.Deprecation.Replacement, Note: s.Deprecation.Note,
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	return out
}

// Check reports what is wrong across versions, which Register cannot see
// because versions arrive one at a time: a deprecated version whose
// replacement is not registered, or is itself deprecated. Call it once
// everything is registered.
func (r *Registry) Check() error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var errs []error
	for _, id := range sortedKeys(r.byID) {
		for _, e := range r.byID[id] {
			d := e.spec.Deprecation
			if e.spec.Status != StatusDeprecated || d == nil {
				continue
			}
			rep, err := r.lookup(id, d.Replacement)
			switch {
			case err != nil:
				errs = append(errs, fmt.Errorf("connector %s %s: replacement %s is not registered", id, e.spec.Version, d.Replacement))
			case rep.spec.Status == StatusDeprecated:
				errs = append(errs, fmt.Errorf("connector %s %s: replacement %s is deprecated too; name the version after it", id, e.spec.Version, d.Replacement))
			}
		}
	}
	return errors.Join(errs...)
}

// ActivityInfo is one Temporal activity the registry's actions run as. One
// activity serves every version of an action; the version is in its input.
type ActivityInfo struct {
	// Name is runs.ConnectorActivity(Connector, Action).
	Name      string
	Connector string
	Action    string
	// Versions are the connector versions that have the action, oldest
	// first.
	Versions []string
}

// Activities lists the activities a worker must register, sorted by name.
func (r *Registry) Activities() []ActivityInfo {
	return r.activityInfos(func(s Spec) []string {
		ids := make([]string, 0, len(s.Actions))
		for _, a := range s.Actions {
			ids = append(ids, a.ID)
		}
		return ids
	}, runs.ConnectorActivity)
}

// Trigger finds a trigger of a connector version ("" for the latest
// stable) and the version's spec.
func (r *Registry) Trigger(id, version, trigger string) (TriggerSpec, Spec, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e, err := r.lookup(id, version)
	if err != nil {
		return TriggerSpec{}, Spec{}, err
	}
	for _, t := range e.spec.Triggers {
		if t.ID == trigger {
			return t, e.spec, nil
		}
	}
	return TriggerSpec{}, Spec{}, fmt.Errorf("%w: %s %s has no trigger %q", ErrUnknownTrigger, id, e.spec.Version, trigger)
}

// Webhook finds the code of a webhook trigger of a connector version (""
// for the latest stable), with its declaration.
func (r *Registry) Webhook(id, version, trigger string) (Webhook, TriggerSpec, error) {
	return triggerCode(r, id, version, trigger, TriggerWebhook, func(e *entry) map[string]Webhook { return e.webhooks })
}

// triggerCode finds a trigger of a connector version and, in impls, the code
// of that kind behind it, under one lookup.
func triggerCode[T any](r *Registry, id, version, trigger string, kind TriggerKind, impls func(*entry) map[string]T) (T, TriggerSpec, error) {
	var none T
	r.mu.RLock()
	defer r.mu.RUnlock()
	e, err := r.lookup(id, version)
	if err != nil {
		return none, TriggerSpec{}, err
	}
	i := slices.IndexFunc(e.spec.Triggers, func(t TriggerSpec) bool { return t.ID == trigger })
	if i < 0 {
		return none, TriggerSpec{}, fmt.Errorf("%w: %s %s has no trigger %q", ErrUnknownTrigger, id, e.spec.Version, trigger)
	}
	t := e.spec.Triggers[i]
	code, ok := impls(e)[trigger]
	if !ok || t.Kind != kind {
		return none, TriggerSpec{}, fmt.Errorf("%w: %s %s trigger %q is not a %s trigger", ErrUnknownTrigger, id, e.spec.Version, trigger, kind)
	}
	return code, t, nil
}

// activityInfos lists one activity per name over every registered version,
// sorted by name: the names each spec's ids give, with the versions that
// have them.
func (r *Registry) activityInfos(ids func(Spec) []string, name func(connector, id string) string) []ActivityInfo {
	byName := map[string]*ActivityInfo{}
	for _, s := range r.Connectors() {
		for _, id := range ids(s) {
			n := name(s.ID, id)
			info := byName[n]
			if info == nil {
				info = &ActivityInfo{Name: n, Connector: s.ID, Action: id}
				byName[n] = info
			}
			if !slices.Contains(info.Versions, s.Version) {
				info.Versions = append(info.Versions, s.Version)
			}
		}
	}
	out := make([]ActivityInfo, 0, len(byName))
	for _, n := range sortedKeys(byName) {
		out = append(out, *byName[n])
	}
	return out
}
