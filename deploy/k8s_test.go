package deploy_test

import (
	"bytes"
	"cmp"
	"errors"
	"io"
	"maps"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/junction-run/junction/egress"
	"github.com/junction-run/junction/vaultx"
)

// The manifests in deploy/k8s, decoded into the few fields the checks
// read (no Kubernetes client here).

type k8sObject struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Spec yaml.Node         `yaml:"spec"`
	Data map[string]string `yaml:"data"`
	file string
}

type deploymentSpec struct {
	Replicas int           `yaml:"replicas"`
	Selector labelSelector `yaml:"selector"`
	Template struct {
		Metadata struct {
			Labels map[string]string `yaml:"labels"`
		} `yaml:"metadata"`
		Spec podSpec `yaml:"spec"`
	} `yaml:"template"`
}

type labelSelector struct {
	MatchLabels map[string]string `yaml:"matchLabels"`
}

// selects says whether the selector selects pods labelled labels.
func (s labelSelector) selects(labels map[string]string) bool {
	if len(s.MatchLabels) == 0 {
		return false // in these manifests, an empty selector is a mistake
	}
	for k, v := range s.MatchLabels {
		if labels[k] != v {
			return false
		}
	}
	return true
}

type podSpec struct {
	ServiceAccountName            string `yaml:"serviceAccountName"`
	AutomountServiceAccountToken  *bool  `yaml:"automountServiceAccountToken"`
	TerminationGracePeriodSeconds int    `yaml:"terminationGracePeriodSeconds"`
	SecurityContext               struct {
		RunAsNonRoot *bool `yaml:"runAsNonRoot"`
		RunAsUser    int   `yaml:"runAsUser"`
	} `yaml:"securityContext"`
	Containers []container `yaml:"containers"`
	Volumes    []struct {
		Name      string `yaml:"name"`
		Projected *struct {
			Sources []struct {
				ServiceAccountToken *struct {
					Audience string `yaml:"audience"`
					Path     string `yaml:"path"`
				} `yaml:"serviceAccountToken"`
			} `yaml:"sources"`
		} `yaml:"projected"`
	} `yaml:"volumes"`
}

type container struct {
	Name  string   `yaml:"name"`
	Image string   `yaml:"image"`
	Args  []string `yaml:"args"`
	Env   []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			SecretKeyRef *struct {
				Name string `yaml:"name"`
				Key  string `yaml:"key"`
			} `yaml:"secretKeyRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	EnvFrom []struct {
		ConfigMapRef *struct {
			Name string `yaml:"name"`
		} `yaml:"configMapRef"`
		SecretRef *struct {
			Name string `yaml:"name"`
		} `yaml:"secretRef"`
	} `yaml:"envFrom"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	StartupProbe   *probe `yaml:"startupProbe"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	Lifecycle      *struct {
		PreStop *struct {
			Sleep *struct {
				Seconds int `yaml:"seconds"`
			} `yaml:"sleep"`
		} `yaml:"preStop"`
	} `yaml:"lifecycle"`
	Resources struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	SecurityContext struct {
		AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
		ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
	} `yaml:"securityContext"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
}

type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"`
	} `yaml:"httpGet"`
}

func (p *probe) String() string {
	if p == nil || p.HTTPGet == nil {
		return "none (or not an HTTP GET)"
	}
	return "GET " + p.HTTPGet.Path + " on port " + p.HTTPGet.Port
}

type serviceSpec struct {
	Selector map[string]string `yaml:"selector"`
	Ports    []servicePort     `yaml:"ports"`
}

type servicePort struct {
	Name       string `yaml:"name"`
	TargetPort string `yaml:"targetPort"`
}

// k8sPod is what the checks know of a Deployment's pods.
type k8sPod struct {
	deployment string
	labels     map[string]string
	ports      map[string]int // container port by name
}

type pdbSpec struct {
	Selector       labelSelector `yaml:"selector"`
	MinAvailable   *int          `yaml:"minAvailable"`
	MaxUnavailable *int          `yaml:"maxUnavailable"`
}

type hpaSpec struct {
	ScaleTargetRef struct {
		Kind string `yaml:"kind"`
		Name string `yaml:"name"`
	} `yaml:"scaleTargetRef"`
	MinReplicas int `yaml:"minReplicas"`
	MaxReplicas int `yaml:"maxReplicas"`
	Metrics     []struct {
		Resource *struct {
			Name string `yaml:"name"`
		} `yaml:"resource"`
	} `yaml:"metrics"`
}

type networkPolicySpec struct {
	PodSelector labelSelector `yaml:"podSelector"`
	PolicyTypes []string      `yaml:"policyTypes"`
	Egress      []struct {
		To []struct {
			IPBlock *struct {
				CIDR   string   `yaml:"cidr"`
				Except []string `yaml:"except"`
			} `yaml:"ipBlock"`
			NamespaceSelector *labelSelector `yaml:"namespaceSelector"`
			PodSelector       *labelSelector `yaml:"podSelector"`
		} `yaml:"to"`
		Ports []struct {
			Protocol string `yaml:"protocol"`
			Port     int    `yaml:"port"`
		} `yaml:"ports"`
	} `yaml:"egress"`
}

type serviceMonitorSpec struct {
	Selector  labelSelector `yaml:"selector"`
	Endpoints []struct {
		Port string `yaml:"port"`
		Path string `yaml:"path"`
	} `yaml:"endpoints"`
}

type kustomization struct {
	Resources []string `yaml:"resources"`
	Images    []struct {
		Name    string `yaml:"name"`
		NewName string `yaml:"newName"`
		NewTag  string `yaml:"newTag"`
		Digest  string `yaml:"digest"`
	} `yaml:"images"`
	Patches []struct {
		Path string `yaml:"path"`
	} `yaml:"patches"`
}

// decodeObjects reads every document of a YAML stream.
func decodeObjects(t *testing.T, name string, r io.Reader) []k8sObject {
	t.Helper()
	var out []k8sObject
	dec := yaml.NewDecoder(r)
	for {
		var o k8sObject
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if o.APIVersion == "" || o.Kind == "" || o.Metadata.Name == "" {
			t.Errorf("%s: a document without apiVersion, kind or metadata.name", name)
		}
		o.file = name
		out = append(out, o)
	}
}

func readObjects(t *testing.T, path string) []k8sObject {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return decodeObjects(t, path, f)
}

func readKustomization(t *testing.T, dir string) kustomization {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k kustomization
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&k); err != nil {
		t.Fatalf("%s/kustomization.yaml: %v", dir, err)
	}
	return k
}

func spec[T any](t *testing.T, o k8sObject) T {
	t.Helper()
	var s T
	if err := o.Spec.Decode(&s); err != nil {
		t.Fatalf("%s %s: %v", o.Kind, o.Metadata.Name, err)
	}
	return s
}

var (
	k8sBase    = filepath.Join("k8s", "base")
	k8sOverlay = filepath.Join("k8s", "overlays", "production")
)

// TestKustomizeStructure: the base lists every manifest it holds and
// only those; the production overlay builds on it, patches objects the
// base has and pins the image the base's containers name.
func TestKustomizeStructure(t *testing.T) {
	base := readKustomization(t, k8sBase)
	files, err := filepath.Glob(filepath.Join(k8sBase, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range files {
		if filepath.Base(f) != "kustomization.yaml" {
			want = append(want, filepath.Base(f))
		}
	}
	if got := slices.Sorted(slices.Values(base.Resources)); !slices.Equal(got, want) {
		t.Errorf("base resources %v, files %v", got, want)
	}
	objects := map[string]bool{}
	images := map[string]bool{}
	for _, f := range base.Resources {
		for _, o := range readObjects(t, filepath.Join(k8sBase, f)) {
			objects[o.Kind+"/"+o.Metadata.Name] = true
			if o.Kind == "Deployment" {
				for _, c := range spec[deploymentSpec](t, o).Template.Spec.Containers {
					images[c.Image] = true
				}
			}
		}
	}

	overlay := readKustomization(t, k8sOverlay)
	if !slices.Equal(overlay.Resources, []string{"../../base"}) {
		t.Errorf("the overlay's resources are %v, want the base", overlay.Resources)
	}
	for _, p := range overlay.Patches {
		for _, o := range readObjects(t, filepath.Join(k8sOverlay, p.Path)) {
			if !objects[o.Kind+"/"+o.Metadata.Name] {
				t.Errorf("%s patches %s %s, which the base does not have", p.Path, o.Kind, o.Metadata.Name)
			}
		}
	}
	pinnedImages := map[string]bool{}
	for _, img := range overlay.Images {
		ref := img.NewName
		if img.NewTag != "" {
			ref += ":" + img.NewTag
		}
		if img.Digest != "" {
			ref += "@" + img.Digest
		}
		if !imagePinned(ref) {
			t.Errorf("the overlay sets image %s to %s, which is not pinned", img.Name, ref)
		}
		pinnedImages[img.Name] = true
	}
	for img := range images {
		if !pinnedImages[img] {
			t.Errorf("the base's image %s is not set by the overlay", img)
		}
	}
}

// TestKubernetesManifests checks the base's objects and, when kubectl is
// at hand to build it, the production overlay's.
func TestKubernetesManifests(t *testing.T) {
	m := loadManifest(t)
	var base []k8sObject
	for _, f := range readKustomization(t, k8sBase).Resources {
		base = append(base, readObjects(t, filepath.Join(k8sBase, f))...)
	}
	t.Run("base", func(t *testing.T) { checkManifests(t, m, base, false) })

	// The overlay's patches alone: what they set must be read too.
	for _, p := range readKustomization(t, k8sOverlay).Patches {
		for _, o := range readObjects(t, filepath.Join(k8sOverlay, p.Path)) {
			if o.Kind == "Deployment" {
				for _, c := range spec[deploymentSpec](t, o).Template.Spec.Containers {
					for _, e := range c.Env {
						if !m.reads(c.Name, e.Name) {
							t.Errorf("%s: container %s sets %s, which junction %s does not read", p.Path, c.Name, e.Name, c.Name)
						}
					}
				}
			}
			if o.Kind == "ConfigMap" {
				for k := range o.Data {
					if !m.reads("worker", k) || !m.reads("gateway", k) {
						t.Errorf("%s: ConfigMap key %s is not read by both worker and gateway", p.Path, k)
					}
				}
			}
		}
	}

	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Log("no kubectl: the production overlay is checked through its patches only")
		return
	}
	out, err := exec.Command(kubectl, "kustomize", k8sOverlay).Output()
	if err != nil {
		t.Fatalf("kubectl kustomize %s: %v", k8sOverlay, err)
	}
	t.Run("production", func(t *testing.T) {
		checkManifests(t, m, decodeObjects(t, "kubectl kustomize "+k8sOverlay, bytes.NewReader(out)), true)
	})
}

// checkManifests checks a set of objects: Deployments of junction worker
// and gateway with the settings, probes, resources and shutdown they need,
// a PodDisruptionBudget and an autoscaler each, Services and a
// ServiceMonitor on ports the pods have, and the egress policy. built says
// the objects come out of kustomize (images resolved).
func checkManifests(t *testing.T, m manifest, objects []k8sObject, built bool) {
	paths := m.OpsPaths
	byKind := map[string][]k8sObject{}
	for _, o := range objects {
		byKind[o.Kind] = append(byKind[o.Kind], o)
	}
	configMaps := map[string]map[string]string{}
	for _, o := range byKind["ConfigMap"] {
		configMaps[o.Metadata.Name] = o.Data
		for k := range o.Data {
			if slices.Contains(secretEnv, k) {
				t.Errorf("ConfigMap %s holds %s, a secret: it belongs in a Secret", o.Metadata.Name, k)
			}
		}
	}

	serviceAccounts := map[string]bool{}
	for _, o := range byKind["ServiceAccount"] {
		serviceAccounts[o.Metadata.Name] = true
	}
	var pods []k8sPod
	commands := map[string]bool{}
	for _, d := range byKind["Deployment"] {
		name := d.Metadata.Name
		s := spec[deploymentSpec](t, d)
		ps := s.Template.Spec
		if !s.Selector.selects(s.Template.Metadata.Labels) {
			t.Errorf("Deployment %s: its selector does not select its pods", name)
		}
		if len(ps.Containers) != 1 {
			t.Fatalf("Deployment %s: %d containers, want one", name, len(ps.Containers))
		}
		c := ps.Containers[0]
		if len(c.Args) == 0 || m.Commands[c.Args[0]].Env == nil {
			t.Errorf("Deployment %s runs %v, not junction worker or gateway", name, c.Args)
			continue
		}
		cmd := c.Args[0]
		commands[cmd] = true
		for _, arg := range c.Args[1:] {
			if !m.hasFlag(cmd, arg) {
				t.Errorf("Deployment %s: junction %s has no flag %s", name, cmd, arg)
			}
		}
		if built && !imagePinned(c.Image) {
			t.Errorf("Deployment %s: image %s is not pinned", name, c.Image)
		}

		// Settings: each one the command reads, secrets from a Secret.
		env := map[string]string{}
		for _, ef := range c.EnvFrom {
			switch {
			case ef.ConfigMapRef != nil:
				data, ok := configMaps[ef.ConfigMapRef.Name]
				if !ok {
					t.Errorf("Deployment %s reads ConfigMap %s, which is not there", name, ef.ConfigMapRef.Name)
				}
				maps.Copy(env, data)
			case ef.SecretRef != nil:
				t.Errorf("Deployment %s takes a whole Secret as environment: name each setting", name)
			}
		}
		for _, e := range c.Env {
			secret := e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil
			if slices.Contains(secretEnv, e.Name) && !secret {
				t.Errorf("Deployment %s: %s is a secret and must come from a Secret (secretKeyRef)", name, e.Name)
			}
			env[e.Name] = e.Value
		}
		for k := range env {
			if !m.reads(cmd, k) {
				t.Errorf("Deployment %s sets %s, which junction %s does not read", name, k, cmd)
			}
		}
		if _, ok := env["JUNCTION_DATABASE_URL"]; !ok {
			t.Errorf("Deployment %s: no JUNCTION_DATABASE_URL (the metadata store)", name)
		}

		// Ports: the ops listener and, on the gateway, the API, where the
		// settings say they listen.
		p := k8sPod{deployment: name, labels: s.Template.Metadata.Labels, ports: map[string]int{}}
		for _, cp := range c.Ports {
			p.ports[cp.Name] = cp.ContainerPort
		}
		pods = append(pods, p)
		listens := map[string]string{"ops": "JUNCTION_OPS_ADDRESS"}
		if cmd == "gateway" {
			listens["http"] = "JUNCTION_HTTP_ADDRESS"
		}
		for portName, setting := range listens {
			if strconv.Itoa(p.ports[portName]) != portOf(env[setting]) {
				t.Errorf("Deployment %s: port %s is %d, %s is %q", name, portName, p.ports[portName], setting, env[setting])
			}
		}

		// Probes on the ops listener's paths.
		for kind, pr := range map[string]*probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe, "startup": c.StartupProbe} {
			want := paths[kind]
			if kind == "startup" {
				want = paths["liveness"]
			}
			if pr == nil || pr.HTTPGet == nil || pr.HTTPGet.Path != want || pr.HTTPGet.Port != "ops" {
				t.Errorf("Deployment %s: %s probe %s, want GET %s on port ops", name, kind, pr, want)
			}
		}

		// Resources, for the scheduler and the autoscaler.
		if c.Resources.Requests["cpu"] == "" || c.Resources.Requests["memory"] == "" || c.Resources.Limits["memory"] == "" {
			t.Errorf("Deployment %s: resources %+v, want cpu and memory requests and a memory limit", name, c.Resources)
		}
		if ps.SecurityContext.RunAsNonRoot == nil || !*ps.SecurityContext.RunAsNonRoot ||
			c.SecurityContext.AllowPrivilegeEscalation == nil || *c.SecurityContext.AllowPrivilegeEscalation ||
			c.SecurityContext.ReadOnlyRootFilesystem == nil || !*c.SecurityContext.ReadOnlyRootFilesystem {
			t.Errorf("Deployment %s: want runAsNonRoot, no privilege escalation and a read-only root filesystem", name)
		}

		// Vault's Kubernetes auth: a token for Vault alone, where the
		// settings say it is.
		if role := env["JUNCTION_VAULT_KUBERNETES_ROLE"]; role != "junction-"+cmd || ps.ServiceAccountName != role || !serviceAccounts[role] {
			t.Errorf("Deployment %s: Vault role %q, service account %q: want junction-%s for both, a ServiceAccount here", name, role, ps.ServiceAccountName, cmd)
		}
		tokenFile := cmp.Or(env["JUNCTION_VAULT_KUBERNETES_TOKEN_FILE"], vaultx.DefaultKubernetesTokenFile)
		found := false
		for _, vm := range c.VolumeMounts {
			for _, v := range ps.Volumes {
				if v.Name != vm.Name || v.Projected == nil {
					continue
				}
				for _, src := range v.Projected.Sources {
					if sat := src.ServiceAccountToken; sat != nil && sat.Audience != "" && filepath.Join(vm.MountPath, sat.Path) == tokenFile {
						found = true
					}
				}
			}
		}
		if !found {
			t.Errorf("Deployment %s: %s is not a projected service account token with an audience", name, tokenFile)
		}
		if ps.AutomountServiceAccountToken == nil || *ps.AutomountServiceAccountToken {
			t.Errorf("Deployment %s mounts the service account's API token, which it does not use", name)
		}

		// Graceful shutdown inside the grace period.
		grace := time.Duration(ps.TerminationGracePeriodSeconds) * time.Second
		switch cmd {
		case "worker":
			stop, err := time.ParseDuration(env["JUNCTION_SHUTDOWN_TIMEOUT"])
			if err != nil || stop <= 0 || stop >= grace {
				t.Errorf("Deployment %s: JUNCTION_SHUTDOWN_TIMEOUT %q must be set and under the grace period %s", name, env["JUNCTION_SHUTDOWN_TIMEOUT"], grace)
			}
		case "gateway":
			drain, err := time.ParseDuration(m.GatewayDrain)
			if err != nil {
				t.Fatal(err)
			}
			var sleep time.Duration
			if c.Lifecycle != nil && c.Lifecycle.PreStop != nil && c.Lifecycle.PreStop.Sleep != nil {
				sleep = time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
			}
			if sleep == 0 || sleep+drain >= grace {
				t.Errorf("Deployment %s: a preStop sleep (%s) and the drain (%s) must fit in the grace period %s", name, sleep, drain, grace)
			}
		}

		// A disruption budget and an autoscaler.
		var pdb, hpa bool
		for _, o := range byKind["PodDisruptionBudget"] {
			if b := spec[pdbSpec](t, o); b.Selector.selects(p.labels) {
				pdb = pdb || b.MaxUnavailable != nil || b.MinAvailable != nil
			}
		}
		for _, o := range byKind["HorizontalPodAutoscaler"] {
			h := spec[hpaSpec](t, o)
			if h.ScaleTargetRef.Kind == "Deployment" && h.ScaleTargetRef.Name == name {
				hpa = h.MinReplicas >= 2 && h.MaxReplicas >= h.MinReplicas && len(h.Metrics) > 0
			}
		}
		if !pdb || !hpa {
			t.Errorf("Deployment %s: PodDisruptionBudget %v, HorizontalPodAutoscaler %v", name, pdb, hpa)
		}
	}
	if !commands["worker"] || !commands["gateway"] {
		t.Errorf("Deployments run %v, want the worker and the gateway", slices.Collect(maps.Keys(commands)))
	}

	// Services send to ports the pods have.
	services := map[string]serviceSpec{}
	serviceLabels := map[string]map[string]string{}
	for _, o := range byKind["Service"] {
		s := spec[serviceSpec](t, o)
		services[o.Metadata.Name] = s
		serviceLabels[o.Metadata.Name] = o.Metadata.Labels
		var selected []k8sPod
		for _, p := range pods {
			if (labelSelector{MatchLabels: s.Selector}).selects(p.labels) {
				selected = append(selected, p)
			}
		}
		if len(selected) == 0 {
			t.Errorf("Service %s selects no pod", o.Metadata.Name)
		}
		for _, sp := range s.Ports {
			for _, p := range selected {
				if _, ok := p.ports[sp.TargetPort]; !ok {
					t.Errorf("Service %s sends port %s to %s, which %s's pods do not have", o.Metadata.Name, sp.Name, sp.TargetPort, p.deployment)
				}
			}
		}
	}

	// Prometheus scrapes /metrics on the ops port of every pod.
	if len(byKind["ServiceMonitor"]) == 0 {
		t.Error("no ServiceMonitor")
	}
	for _, o := range byKind["ServiceMonitor"] {
		sm := spec[serviceMonitorSpec](t, o)
		var scraped []string
		for name, s := range services {
			if !sm.Selector.selects(serviceLabels[name]) {
				continue
			}
			for _, ep := range sm.Endpoints {
				if ep.Path != paths["metrics"] || !slices.Contains(s.Ports, servicePort{Name: ep.Port, TargetPort: "ops"}) {
					t.Errorf("ServiceMonitor %s scrapes %s on port %s of Service %s, want %s on the ops port", o.Metadata.Name, ep.Path, ep.Port, name, paths["metrics"])
				}
			}
			for _, p := range pods {
				if (labelSelector{MatchLabels: s.Selector}).selects(p.labels) {
					scraped = append(scraped, p.deployment)
				}
			}
		}
		if len(scraped) != len(pods) {
			t.Errorf("ServiceMonitor %s scrapes %v, want every Deployment's pods", o.Metadata.Name, scraped)
		}
	}

	checkNetworkPolicy(t, byKind["NetworkPolicy"], pods)
}

// checkNetworkPolicy: an egress policy over every Junction pod lets DNS
// through and, of the internet, refuses what the egress guard refuses
// (egress.RefusedPrefixes): the IPv4 ranges exactly; of IPv6, global
// unicast only, without the guard's ranges there and 6to4, whose IPv4
// address inside a policy cannot judge.
func checkNetworkPolicy(t *testing.T, policies []k8sObject, pods []k8sPod) {
	v4, v6 := egress.RefusedPrefixes()
	global := egress.GlobalUnicastPrefix()
	sixToFour := netip.MustParsePrefix("2002::/16")
	var wantV6 []netip.Prefix
	for _, p := range v6 {
		if p.Bits() >= global.Bits() && global.Contains(p.Addr()) {
			wantV6 = append(wantV6, p)
		}
	}
	parse := func(where string, cidrs []string) map[netip.Prefix]bool {
		out := map[netip.Prefix]bool{}
		for _, c := range cidrs {
			p, err := netip.ParsePrefix(c)
			if err != nil {
				t.Errorf("%s: %v", where, err)
				continue
			}
			out[p] = true
		}
		return out
	}

	covered := map[string]bool{}
	var dns, public4, public6 bool
	for _, o := range policies {
		np := spec[networkPolicySpec](t, o)
		if !slices.Contains(np.PolicyTypes, "Egress") {
			continue
		}
		for _, p := range pods {
			if np.PodSelector.selects(p.labels) {
				covered[p.deployment] = true
			}
		}
		for _, rule := range np.Egress {
			for _, to := range rule.To {
				if to.IPBlock == nil {
					if to.PodSelector != nil && to.PodSelector.MatchLabels["k8s-app"] == "kube-dns" &&
						slices.ContainsFunc(rule.Ports, func(p struct {
							Protocol string `yaml:"protocol"`
							Port     int    `yaml:"port"`
						}) bool {
							return p.Protocol == "UDP" && p.Port == 53
						}) {
						dns = true
					}
					continue
				}
				where := "NetworkPolicy " + o.Metadata.Name + " ipBlock " + to.IPBlock.CIDR
				except := parse(where, to.IPBlock.Except)
				switch to.IPBlock.CIDR {
				case "0.0.0.0/0":
					public4 = true
					if want := parse(where, prefixStrings(v4)); !maps.Equal(except, want) {
						t.Errorf("%s: except %v, want the egress guard's IPv4 ranges %v", where, to.IPBlock.Except, v4)
					}
				case global.String():
					public6 = true
					for _, p := range wantV6 {
						if !except[p] {
							t.Errorf("%s lets %s through, which the egress guard refuses", where, p)
						}
						delete(except, p)
					}
					delete(except, sixToFour)
					for p := range except {
						t.Errorf("%s: except %s, which the egress guard does not refuse", where, p)
					}
				default:
					t.Errorf("%s: only 0.0.0.0/0 and %s, less the egress guard's ranges, may be open", where, global)
				}
			}
		}
	}
	for _, p := range pods {
		if !covered[p.deployment] {
			t.Errorf("no egress NetworkPolicy covers %s", p.deployment)
		}
	}
	if !dns || !public4 || !public6 {
		t.Errorf("egress: DNS %v, public IPv4 %v, public IPv6 %v; want all three", dns, public4, public6)
	}
}

func prefixStrings(ps []netip.Prefix) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}
