package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	sigsyaml "sigs.k8s.io/yaml"

	"equitrial/internal/seal"
)

// manifests are the Kubernetes objects of deploy/k8s, decoded strictly.
type manifests struct {
	deployments []*appsv1.Deployment
	services    []*corev1.Service
	configMaps  []*corev1.ConfigMap
	pdbs        []*policyv1.PodDisruptionBudget
	hpas        []*autoscalingv2.HorizontalPodAutoscaler
	files       []string // manifest file names (not the kustomization)
}

// splitDocuments splits a YAML stream at "---" lines, dropping empty documents.
func splitDocuments(data []byte) [][]byte {
	var docs [][]byte
	for _, d := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
		if strings.TrimSpace(stripComments(d)) != "" {
			docs = append(docs, []byte(d))
		}
	}
	return docs
}

func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// decodeStrict decodes one YAML document into a Kubernetes API object as the API
// server would read what kubectl sends: YAML becomes JSON without looking at the
// target type (so an unquoted 1095 stays a number and cannot fill a string field,
// which sigs.k8s.io/yaml's UnmarshalStrict would quietly convert), duplicate keys are
// an error, and so is any field the type does not have.
func decodeStrict(doc []byte, obj any) error {
	j, err := sigsyaml.YAMLToJSONStrict(doc)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	if err := dec.Decode(obj); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the object")
	}
	return nil
}

// loadManifests decodes every document of every deploy/k8s/*.yaml into the
// Kubernetes API type its apiVersion and kind name, rejecting unknown and
// duplicate fields (sigs.k8s.io/yaml's strict mode, as kubectl's validation does).
func loadManifests(t *testing.T) manifests {
	t.Helper()
	paths, err := filepath.Glob("k8s/*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no manifests in deploy/k8s: %v", err)
	}
	var m manifests
	for _, path := range paths {
		if filepath.Base(path) == "kustomization.yaml" {
			continue
		}
		m.files = append(m.files, filepath.Base(path))
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		docs := splitDocuments(data)
		if len(docs) == 0 {
			t.Errorf("%s: no document", path)
		}
		for i, doc := range docs {
			var head struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
			}
			if err := sigsyaml.Unmarshal(doc, &head); err != nil {
				t.Errorf("%s document %d: %v", path, i+1, err)
				continue
			}
			var obj any
			switch head.APIVersion + " " + head.Kind {
			case "apps/v1 Deployment":
				d := &appsv1.Deployment{}
				m.deployments, obj = append(m.deployments, d), d
			case "v1 Service":
				s := &corev1.Service{}
				m.services, obj = append(m.services, s), s
			case "v1 ConfigMap":
				c := &corev1.ConfigMap{}
				m.configMaps, obj = append(m.configMaps, c), c
			case "policy/v1 PodDisruptionBudget":
				p := &policyv1.PodDisruptionBudget{}
				m.pdbs, obj = append(m.pdbs, p), p
			case "autoscaling/v2 HorizontalPodAutoscaler":
				h := &autoscalingv2.HorizontalPodAutoscaler{}
				m.hpas, obj = append(m.hpas, h), h
			case "v1 Secret":
				t.Errorf("%s: a Secret object is committed; reference secrets, never store them", path)
				continue
			default:
				t.Errorf("%s document %d: unexpected %q %q (add its API type to this test)", path, i+1, head.APIVersion, head.Kind)
				continue
			}
			if err := decodeStrict(doc, obj); err != nil {
				t.Errorf("%s document %d (%s): %v", path, i+1, head.Kind, err)
			}
		}
	}
	for kind, n := range map[string]int{"Deployment": len(m.deployments), "Service": len(m.services),
		"ConfigMap": len(m.configMaps), "PodDisruptionBudget": len(m.pdbs), "HorizontalPodAutoscaler": len(m.hpas)} {
		if n != 1 {
			t.Errorf("want exactly one %s in deploy/k8s, found %d", kind, n)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	return m
}

func TestKubernetesManifestsDecodeStrictly(t *testing.T) {
	m := loadManifests(t)
	for _, name := range []string{m.deployments[0].Name, m.services[0].Name, m.configMaps[0].Name, m.pdbs[0].Name, m.hpas[0].Name} {
		if name != "equitrial" {
			t.Errorf("object named %q, want equitrial", name)
		}
	}

	// The strict decoder must really be strict: a misspelt field fails.
	for what, doc := range map[string]string{
		"an unknown field":           "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replica: 2\n",
		"a duplicate key":            "apiVersion: v1\nkind: ConfigMap\ndata:\n  A: x\n  A: y\n",
		"a number for a string":      "apiVersion: v1\nkind: ConfigMap\ndata:\n  EQUITRIAL_RETENTION_DAYS: 1095\n",
		"a string for a number":      "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: \"2\"\n",
		"a field at the wrong level": "apiVersion: v1\nkind: Service\nspec:\n  targetPort: 8080\n",
	} {
		if _, err := sigsyaml.YAMLToJSON([]byte(doc)); err != nil {
			t.Fatalf("%s: not even YAML: %v", what, err)
		}
		var obj any = &corev1.ConfigMap{}
		switch {
		case strings.Contains(doc, "Deployment"):
			obj = &appsv1.Deployment{}
		case strings.Contains(doc, "Service"):
			obj = &corev1.Service{}
		}
		if err := decodeStrict([]byte(doc), obj); err == nil {
			t.Errorf("strict decoding accepted %s", what)
		}
	}
}

func TestKustomizationListsEveryManifest(t *testing.T) {
	m := loadManifests(t)
	data, err := os.ReadFile("k8s/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		APIVersion string   `json:"apiVersion"`
		Kind       string   `json:"kind"`
		Resources  []string `json:"resources"`
		Images     []struct {
			Name    string `json:"name"`
			NewName string `json:"newName,omitempty"`
			NewTag  string `json:"newTag,omitempty"`
		} `json:"images"`
	}
	if err := sigsyaml.UnmarshalStrict(data, &k); err != nil {
		t.Fatalf("kustomization.yaml: %v", err)
	}
	got := slices.Clone(k.Resources)
	sort.Strings(got)
	want := slices.Clone(m.files)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("kustomization resources %v, want every manifest %v", got, want)
	}
	image := m.deployments[0].Spec.Template.Spec.Containers[0].Image
	for _, img := range k.Images {
		if !strings.HasPrefix(image, img.Name+":") && image != img.Name {
			t.Errorf("kustomization image %q does not name the Deployment's image %q", img.Name, image)
		}
	}
}

func TestDeploymentProbesAndSecurity(t *testing.T) {
	m := loadManifests(t)
	d := m.deployments[0]
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
		t.Errorf("replicas = %v, want 2", d.Spec.Replicas)
	}
	pod := d.Spec.Template.Spec
	labels := d.Spec.Template.Labels
	if d.Spec.Selector == nil || !subset(d.Spec.Selector.MatchLabels, labels) || len(d.Spec.Selector.MatchLabels) == 0 {
		t.Errorf("Deployment selector %v does not select its pods %v", d.Spec.Selector, labels)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(pod.Containers))
	}
	c := pod.Containers[0]

	port := map[string]int32{}
	for _, p := range c.Ports {
		port[p.Name] = p.ContainerPort
	}
	probe := func(what string, p *corev1.Probe, path string) {
		t.Helper()
		if p == nil || p.HTTPGet == nil {
			t.Errorf("%s probe: want an HTTP GET of %s", what, path)
			return
		}
		if p.HTTPGet.Path != path {
			t.Errorf("%s probe path %q, want %q", what, p.HTTPGet.Path, path)
		}
		if pp := p.HTTPGet.Port; (pp.StrVal != "" && port[pp.StrVal] != 8080) || (pp.StrVal == "" && pp.IntVal != 8080) {
			t.Errorf("%s probe port %v is not the container's port 8080", what, pp.String())
		}
	}
	probe("readiness", c.ReadinessProbe, "/readyz")
	probe("liveness", c.LivenessProbe, "/healthz")
	probe("startup", c.StartupProbe, "/healthz")

	// Non-root, read-only root filesystem, no privilege escalation, no capabilities.
	ps, cs := pod.SecurityContext, c.SecurityContext
	if ps == nil || cs == nil {
		t.Fatal("pod and container security contexts must be set")
	}
	if ps.RunAsNonRoot == nil || !*ps.RunAsNonRoot || ps.RunAsUser == nil || *ps.RunAsUser == 0 {
		t.Errorf("pod must run as a non-root user: runAsNonRoot %v runAsUser %v", ps.RunAsNonRoot, ps.RunAsUser)
	}
	if cs.RunAsUser != nil && *cs.RunAsUser == 0 {
		t.Error("container runs as root")
	}
	if cs.ReadOnlyRootFilesystem == nil || !*cs.ReadOnlyRootFilesystem {
		t.Error("container root filesystem must be read-only")
	}
	if cs.AllowPrivilegeEscalation == nil || *cs.AllowPrivilegeEscalation {
		t.Error("allowPrivilegeEscalation must be false")
	}
	if cs.Privileged != nil && *cs.Privileged {
		t.Error("container is privileged")
	}
	if cs.Capabilities == nil || !slices.Contains(cs.Capabilities.Drop, "ALL") || len(cs.Capabilities.Add) > 0 {
		t.Errorf("capabilities %v: drop ALL, add none", cs.Capabilities)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Error("the service account token should not be mounted (equitrial does not call the Kubernetes API)")
	}

	// Resources: requests and a memory limit.
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if _, ok := c.Resources.Requests[r]; !ok {
			t.Errorf("no %s request", r)
		}
	}
	if _, ok := c.Resources.Limits[corev1.ResourceMemory]; !ok {
		t.Error("no memory limit")
	}

	// The data directory (the search index) is a per-pod emptyDir mounted where
	// EQUITRIAL_DATA_DIR points; the read-only root has nowhere else to write.
	env := effectiveEnv(t, m)
	dataDir := env["EQUITRIAL_DATA_DIR"]
	if dataDir == "" {
		t.Fatal("EQUITRIAL_DATA_DIR is not set")
	}
	vols := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		vols[v.Name] = v
	}
	mounted := false
	for _, vm := range c.VolumeMounts {
		if vm.MountPath == dataDir {
			mounted = true
			if v := vols[vm.Name]; v.EmptyDir == nil {
				t.Errorf("%s is mounted from %q, want an emptyDir (each replica keeps its own index)", dataDir, vm.Name)
			}
			if vm.ReadOnly {
				t.Errorf("%s is mounted read-only", dataDir)
			}
		}
	}
	if !mounted {
		t.Errorf("nothing is mounted at EQUITRIAL_DATA_DIR %s", dataDir)
	}
	if !strings.HasPrefix(env["EQUITRIAL_ADDR"], "0.0.0.0:8080") && !strings.HasPrefix(env["EQUITRIAL_ADDR"], ":8080") {
		t.Errorf("EQUITRIAL_ADDR %q: the probes and the Service reach port 8080 on the pod address", env["EQUITRIAL_ADDR"])
	}

	// Secrets come only by reference.
	for _, e := range c.Env {
		if secretLike(e.Name) && e.Value != "" {
			t.Errorf("%s has a literal value; reference a Secret", e.Name)
		}
	}
	for _, name := range []string{"MONGODB_URI", "EQUITRIAL_DATA_KEYS", "EQUITRIAL_LOOKUP_KEY"} {
		e, ok := envVar(c.Env, name)
		if !ok || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			t.Errorf("%s must come from a Secret reference", name)
		} else if e.ValueFrom.SecretKeyRef.Optional != nil && *e.ValueFrom.SecretKeyRef.Optional {
			t.Errorf("%s must not be optional: without it each replica would make its own development keys or database", name)
		}
	}
	for k := range m.configMaps[0].Data {
		if secretLike(k) {
			t.Errorf("ConfigMap holds %s: secrets belong in the Secret", k)
		}
	}
}

func TestServicePDBAndAutoscalerMatchTheDeployment(t *testing.T) {
	m := loadManifests(t)
	d, s, p, h := m.deployments[0], m.services[0], m.pdbs[0], m.hpas[0]
	labels := d.Spec.Template.Labels
	if len(s.Spec.Selector) == 0 || !subset(s.Spec.Selector, labels) {
		t.Errorf("Service selector %v does not select the pods %v", s.Spec.Selector, labels)
	}
	named := map[string]bool{}
	for _, pt := range d.Spec.Template.Spec.Containers[0].Ports {
		named[pt.Name] = true
	}
	for _, pt := range s.Spec.Ports {
		if tp := pt.TargetPort; (tp.StrVal != "" && !named[tp.StrVal]) || (tp.StrVal == "" && tp.IntVal != 8080) {
			t.Errorf("Service port %d targets %s, not a container port", pt.Port, tp.String())
		}
	}
	if p.Spec.Selector == nil || !subset(p.Spec.Selector.MatchLabels, labels) {
		t.Errorf("PodDisruptionBudget selector %v does not select the pods", p.Spec.Selector)
	}
	if p.Spec.MinAvailable == nil && p.Spec.MaxUnavailable == nil {
		t.Error("PodDisruptionBudget sets neither minAvailable nor maxUnavailable")
	}
	ref := h.Spec.ScaleTargetRef
	if ref.Kind != "Deployment" || ref.Name != d.Name || ref.APIVersion != "apps/v1" {
		t.Errorf("HPA scales %+v, want the Deployment %s", ref, d.Name)
	}
	if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 2 || h.Spec.MaxReplicas < *h.Spec.MinReplicas {
		t.Errorf("HPA replicas %v..%d: want at least 2", h.Spec.MinReplicas, h.Spec.MaxReplicas)
	}
	if p.Spec.MinAvailable != nil && h.Spec.MinReplicas != nil && p.Spec.MinAvailable.IntVal >= *h.Spec.MinReplicas {
		t.Errorf("PDB minAvailable %d would block every drain at %d replicas", p.Spec.MinAvailable.IntVal, *h.Spec.MinReplicas)
	}
	if len(h.Spec.Metrics) == 0 {
		t.Error("HPA has no metrics")
	}
}

// TestEveryVariableIsOneTheBinaryReads: every environment variable the
// Deployment, the ConfigMap, the compose file, the image and the example env files
// set is one the binary reads (a name in its source) and the README documents.
func TestEveryVariableIsOneTheBinaryReads(t *testing.T) {
	m := loadManifests(t)
	read := variablesTheBinaryReads(t)
	readme := readFile(t, "../README.md")
	for _, want := range []string{"MONGODB_URI", "EQUITRIAL_ADDR", "EQUITRIAL_DATA_DIR", "EQUITRIAL_WEB_DIR", "EQUITRIAL_DATA_KEYS", "EQUITRIAL_OIDC_STAFF_CLIENT_SECRET"} {
		if !read[want] {
			t.Fatalf("the source scan missed %s: fix variablesTheBinaryReads", want)
		}
	}

	set := map[string][]string{} // name → where it is set
	add := func(where string, names ...string) {
		for _, n := range names {
			set[n] = append(set[n], where)
		}
	}
	c := m.deployments[0].Spec.Template.Spec.Containers[0]
	for _, e := range c.Env {
		add("deployment.yaml", e.Name)
	}
	for k := range m.configMaps[0].Data {
		add("configmap.yaml", k)
	}
	// Commented-out keys in the ConfigMap are suggestions: they must be real too.
	for _, n := range commentedAssignments(readFile(t, "k8s/configmap.yaml"), `^\s*#\s*([A-Z][A-Z0-9_]+):`) {
		add("configmap.yaml (commented)", n)
	}
	compose := loadCompose(t)
	for name, svc := range compose.Services {
		for k := range svc.Environment {
			add("compose.yaml "+name, k)
		}
	}
	for _, f := range []string{"equitrial.env.example", "env.example"} {
		for _, n := range commentedAssignments(readFile(t, f), `^\s*#?\s*([A-Z][A-Z0-9_]+)=`) {
			add(f, n)
		}
	}
	for _, n := range dockerfileEnv(t) {
		add("Dockerfile", n)
	}
	if len(set) < 10 {
		t.Fatalf("only %d variables found: the parsing above is broken", len(set))
	}
	for name, where := range set {
		if !read[name] {
			t.Errorf("%s (set in %s) is not read by the binary", name, strings.Join(where, ", "))
		}
		if !documented(readme, name) {
			t.Errorf("%s (set in %s) is not in the README", name, strings.Join(where, ", "))
		}
	}
}

// TestEnvExampleFailsClosed: a copy of equitrial.env.example that was never filled
// in must stop the service at start rather than fall back to per-replica
// development keys.
func TestEnvExampleFailsClosed(t *testing.T) {
	env := map[string]string{}
	for _, line := range strings.Split(readFile(t, "equitrial.env.example"), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(strings.TrimSpace(line), "#") {
			env[strings.TrimSpace(k)] = v
		}
	}
	if env["EQUITRIAL_DATA_KEYS"] == "" || env["EQUITRIAL_LOOKUP_KEY"] == "" {
		t.Fatal("equitrial.env.example must set both keys (to invalid placeholders)")
	}
	if _, _, err := seal.FromEnv(func(k string) string { return env[k] }, t.TempDir()); err == nil {
		t.Error("the example's placeholder keys are accepted: an unfilled copy would run")
	}
}

type composeFile struct {
	Name     string                    `yaml:"name"`
	Services map[string]composeService `yaml:"services"`
	Networks map[string]any            `yaml:"networks"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       map[string]any    `yaml:"build"`
	Command     any               `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	EnvFile     []map[string]any  `yaml:"env_file"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Volumes  []string `yaml:"volumes"`
	Tmpfs    []string `yaml:"tmpfs"`
	ReadOnly bool     `yaml:"read_only"`
	User     string   `yaml:"user"`
	Ports    []string `yaml:"ports"`
}

// loadCompose decodes compose.yaml (YAML anchors and merge keys resolved by
// yaml.v3) into the fields the tests check.
func loadCompose(t *testing.T) composeFile {
	t.Helper()
	var c composeFile
	if err := yaml.Unmarshal([]byte(readFile(t, "compose.yaml")), &c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	return c
}

func commandString(cmd any) string {
	switch v := cmd.(type) {
	case string:
		return v
	case []any:
		var parts []string
		for _, p := range v {
			parts = append(parts, fmt.Sprint(p))
		}
		return strings.Join(parts, " ")
	}
	return ""
}

func TestComposeReplicaSetTwoReplicasAndProxy(t *testing.T) {
	c := loadCompose(t)
	var mongos, apps []string
	var initName, proxyName string
	for name, s := range c.Services {
		cmd := commandString(s.Command)
		switch {
		case strings.HasPrefix(s.Image, "mongo:") && strings.Contains(cmd, "rs.initiate"):
			initName = name
		case strings.HasPrefix(s.Image, "mongo:"):
			mongos = append(mongos, name)
		case s.Environment["MONGODB_URI"] != "":
			apps = append(apps, name)
		case strings.Contains(s.Image, "nginx"):
			proxyName = name
		}
	}
	sort.Strings(mongos)
	sort.Strings(apps)
	if len(mongos) != 3 {
		t.Fatalf("want three MongoDB members, got %v", mongos)
	}
	if len(apps) != 2 {
		t.Fatalf("want two equitrial replicas, got %v", apps)
	}
	if initName == "" || proxyName == "" {
		t.Fatalf("want a replica-set init service and an nginx proxy; got init %q proxy %q", initName, proxyName)
	}

	// Every member runs with the same --replSet; the init service initiates that set
	// with all three; each replica's URI names the set and all three members.
	rs := ""
	for _, name := range mongos {
		f := strings.Fields(commandString(c.Services[name].Command))
		i := slices.Index(f, "--replSet")
		if i < 0 || i+1 >= len(f) {
			t.Fatalf("%s runs without --replSet: %v", name, f)
		}
		if rs == "" {
			rs = f[i+1]
		} else if f[i+1] != rs {
			t.Errorf("%s is in replica set %q, others in %q", name, f[i+1], rs)
		}
		if vols := c.Services[name].Volumes; len(vols) != 1 || !strings.HasSuffix(vols[0], ":/data/db") {
			t.Errorf("%s: want its own volume at /data/db, got %v", name, vols)
		}
	}
	script := commandString(c.Services[initName].Command)
	if !strings.Contains(script, `_id: "`+rs+`"`) {
		t.Errorf("%s does not initiate replica set %q", initName, rs)
	}
	for _, name := range mongos {
		if !strings.Contains(script, `"`+name+`:27017"`) {
			t.Errorf("%s does not add member %s", initName, name)
		}
		if c.Services[initName].DependsOn[name].Condition != "service_healthy" {
			t.Errorf("%s should wait for %s to be healthy", initName, name)
		}
	}
	for _, app := range apps {
		s := c.Services[app]
		uri := s.Environment["MONGODB_URI"]
		if !strings.Contains(uri, "replicaSet="+rs) {
			t.Errorf("%s: MONGODB_URI %q does not name replica set %s", app, uri, rs)
		}
		for _, m := range mongos {
			if !strings.Contains(uri, m+":27017") {
				t.Errorf("%s: MONGODB_URI %q does not list %s", app, uri, m)
			}
		}
		if s.DependsOn[initName].Condition != "service_completed_successfully" {
			t.Errorf("%s should start after %s completes", app, initName)
		}
		// The index directory is the replica's own, never a shared volume.
		dataDir := s.Environment["EQUITRIAL_DATA_DIR"]
		for _, v := range s.Volumes {
			if strings.Contains(v, ":"+dataDir) {
				t.Errorf("%s mounts a volume at its data directory (%s): replicas must not share an index", app, v)
			}
		}
		if !s.ReadOnly || !slices.ContainsFunc(s.Tmpfs, func(x string) bool { return strings.HasPrefix(x, dataDir+":") || x == dataDir }) {
			t.Errorf("%s: want a read-only root with a tmpfs at %s", app, dataDir)
		}
		// Secrets from an env file that is not committed.
		if len(s.EnvFile) == 0 || fmt.Sprint(s.EnvFile[0]["path"]) != "./equitrial.env" {
			t.Errorf("%s: want secrets from ./equitrial.env, got %v", app, s.EnvFile)
		}
		for k, v := range s.Environment {
			if secretLike(k) && k != "MONGODB_URI" && v != "" {
				t.Errorf("%s sets %s in compose.yaml: secrets go in equitrial.env", app, k)
			}
		}
		if strings.Contains(uri, "@") {
			t.Errorf("%s: MONGODB_URI carries credentials in compose.yaml", app)
		}
		if len(s.Ports) > 0 {
			t.Errorf("%s publishes ports %v: only the proxy should", app, s.Ports)
		}
	}
	if !ignored(t, ".gitignore", "equitrial.env") {
		t.Error("deploy/.gitignore does not ignore equitrial.env")
	}
	if _, err := os.Stat("equitrial.env.example"); err != nil {
		t.Error(err)
	}

	// The proxy's configuration is in deploy/ and sends to both replicas.
	var conf string
	for _, v := range c.Services[proxyName].Volumes {
		src, _, _ := strings.Cut(v, ":")
		if strings.HasSuffix(src, ".conf") {
			conf = readFile(t, src)
		}
	}
	if conf == "" {
		t.Fatalf("%s mounts no configuration file from deploy/", proxyName)
	}
	for _, app := range apps {
		if !regexp.MustCompile(`(?m)^\s*server\s+` + regexp.QuoteMeta(app) + `:8080\b`).MatchString(conf) {
			t.Errorf("nginx.conf does not send to %s:8080", app)
		}
	}
	if !strings.Contains(conf, "proxy_set_header X-Forwarded-For $remote_addr") {
		t.Error("nginx.conf must overwrite X-Forwarded-For (equitrial believes it from the proxy)")
	}
}

func TestDockerfile(t *testing.T) {
	stages := dockerfileStages(t)
	if len(stages) < 3 {
		t.Fatalf("want a multi-stage build (node, go, final), got %d stages", len(stages))
	}
	var node, golang bool
	for _, s := range stages[:len(stages)-1] {
		node = node || strings.HasPrefix(s.from, "node:")
		golang = golang || strings.HasPrefix(s.from, "golang:")
	}
	if !node || !golang {
		t.Errorf("want a node stage and a golang stage, got %v", stages)
	}
	all := strings.Join(func() []string {
		var out []string
		for _, s := range stages {
			out = append(out, s.lines...)
		}
		return out
	}(), "\n")
	if !strings.Contains(all, "npm ci") {
		t.Error("the web stage should run npm ci")
	}
	if !strings.Contains(all, "CGO_ENABLED=0") {
		t.Error("the binary should be built with CGO_ENABLED=0")
	}
	// The web stage lays out what the Makefile's web target copies (axe-core, a
	// test-only devDependency, aside).
	makefile := readFile(t, "../Makefile")
	for _, m := range regexp.MustCompile(`(?m)^\tcp \S+ \$\(ASSETS\)/(\S*)$`).FindAllStringSubmatch(makefile, -1) {
		dst := m[1]
		if dst == "axe.min.js" {
			continue
		}
		if dst == "" {
			dst = `"$out/"` // web/static-src/*
		}
		if !strings.Contains(all, dst) {
			t.Errorf("the Makefile copies %q into web/static; the Dockerfile does not", m[0])
		}
	}

	final := stages[len(stages)-1]
	if !strings.Contains(final.from, "distroless") && !strings.Contains(final.from, "alpine") {
		t.Errorf("final image %q: want distroless or alpine", final.from)
	}
	user := ""
	env := map[string]string{}
	for _, l := range final.lines {
		f := strings.Fields(l)
		switch strings.ToUpper(f[0]) {
		case "USER":
			user = f[1]
		case "HEALTHCHECK":
			t.Error("no HEALTHCHECK: orchestrators probe /healthz and /readyz")
		case "EXPOSE":
			if f[1] != "8080" {
				t.Errorf("EXPOSE %s, want 8080", f[1])
			}
		}
	}
	for _, n := range dockerfileEnv(t) {
		env[n] = ""
	}
	if u, _, _ := strings.Cut(user, ":"); u == "" || u == "0" || u == "root" {
		t.Errorf("final stage USER %q: want a non-root user", user)
	}
	for _, l := range final.lines {
		for _, kv := range regexp.MustCompile(`(EQUITRIAL_[A-Z_]+)=(\S+)`).FindAllStringSubmatch(l, -1) {
			env[kv[1]] = kv[2]
		}
	}
	for k, want := range map[string]string{"EQUITRIAL_ADDR": "0.0.0.0:8080", "EQUITRIAL_DATA_DIR": "/data", "EQUITRIAL_WEB_DIR": "/app/web/static"} {
		if env[k] != want {
			t.Errorf("image default %s=%q, want %q", k, env[k], want)
		}
	}
	// No secrets in the image: no secret-looking ENV or ARG, no env files copied.
	for _, s := range stages {
		for _, l := range s.lines {
			f := strings.Fields(l)
			if (strings.EqualFold(f[0], "ENV") || strings.EqualFold(f[0], "ARG")) && secretLike(l) {
				t.Errorf("Dockerfile sets a secret: %s", l)
			}
			if strings.EqualFold(f[0], "COPY") && strings.Contains(l, ".env") {
				t.Errorf("Dockerfile copies an env file: %s", l)
			}
		}
	}

	// The build context leaves out what is fetched, built, stored or secret.
	for _, p := range []string{".git", "/web/node_modules", "/web/static", "/data", "deploy/*.env"} {
		if !ignored(t, "../.dockerignore", p) {
			t.Errorf(".dockerignore does not exclude %s", p)
		}
	}
}

type stage struct {
	from  string
	lines []string // instructions after FROM, continuation lines joined
}

// dockerfileStages reads the Dockerfile's instructions by stage (a line parser:
// comments dropped, backslash continuations joined).
func dockerfileStages(t *testing.T) []stage {
	t.Helper()
	var stages []stage
	var cur strings.Builder
	flush := func() {
		l := strings.TrimSpace(cur.String())
		cur.Reset()
		if l == "" {
			return
		}
		f := strings.Fields(l)
		if strings.EqualFold(f[0], "FROM") {
			img := f[1]
			for _, x := range f[1:] {
				if !strings.HasPrefix(x, "--") {
					img = x
					break
				}
			}
			stages = append(stages, stage{from: img})
			return
		}
		if len(stages) > 0 {
			stages[len(stages)-1].lines = append(stages[len(stages)-1].lines, l)
		}
	}
	args := map[string]string{}
	for _, line := range strings.Split(readFile(t, "Dockerfile"), "\n") {
		trim := strings.TrimSpace(line)
		if strings.HasPrefix(trim, "#") {
			continue
		}
		if len(stages) == 0 && strings.HasPrefix(trim, "ARG ") {
			if k, v, ok := strings.Cut(strings.TrimPrefix(trim, "ARG "), "="); ok {
				args[k] = v
			}
		}
		if strings.HasSuffix(trim, `\`) {
			cur.WriteString(strings.TrimSuffix(trim, `\`) + " ")
			continue
		}
		cur.WriteString(trim)
		flush()
	}
	flush()
	for i := range stages {
		for k, v := range args {
			stages[i].from = strings.ReplaceAll(stages[i].from, "${"+k+"}", v)
		}
	}
	return stages
}

// dockerfileEnv lists the variables the final image sets with ENV.
func dockerfileEnv(t *testing.T) []string {
	stages := dockerfileStages(t)
	var names []string
	for _, l := range stages[len(stages)-1].lines {
		if f := strings.Fields(l); strings.EqualFold(f[0], "ENV") {
			for _, kv := range f[1:] {
				if k, _, ok := strings.Cut(kv, "="); ok {
					names = append(names, k)
				}
			}
		}
	}
	return names
}

// variablesTheBinaryReads scans the module's non-test Go source for the variable
// names it reads: string literals EQUITRIAL_… and MONGODB_URI, and the OpenID
// Connect ones composed as "EQUITRIAL_OIDC_" + provider + "_" + field.
func variablesTheBinaryReads(t *testing.T) map[string]bool {
	t.Helper()
	lit := regexp.MustCompile(`"((?:EQUITRIAL_[A-Z0-9_]*[A-Z0-9])|MONGODB_URI)"`)
	suffix := regexp.MustCompile(`prefix\s*\+\s*"([A-Z_]+)"`)
	read := map[string]bool{}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "testdata", "deploy", "static":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range lit.FindAllSubmatch(src, -1) {
			read[string(m[1])] = true
		}
		if bytes.Contains(src, []byte(`"EQUITRIAL_OIDC_"`)) {
			for _, m := range suffix.FindAllSubmatch(src, -1) {
				for _, provider := range []string{"STAFF", "PATIENT"} {
					read["EQUITRIAL_OIDC_"+provider+"_"+string(m[1])] = true
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return read
}

// documented: the README names the variable, in full, in its shorthand (the
// Configuration table's "`EQUITRIAL_JOB_EQUITY_MONITOR`, `_INDEX_SYNC`" form) or as
// a wildcard prefix with a field documented for another prefix ("`EQUITRIAL_OIDC_STAFF_ISSUER`
// … likewise `EQUITRIAL_OIDC_PATIENT_*`").
func documented(readme, name string) bool {
	if regexp.MustCompile(`\b` + name + `\b`).MatchString(readme) {
		return true
	}
	for i := 1; i < len(name); i++ {
		if name[i] != '_' {
			continue
		}
		if strings.Contains(readme, "`"+name[:i]) && strings.Contains(readme, "`"+name[i:]+"`") {
			return true
		}
		// "likewise `EQUITRIAL_OIDC_PATIENT_*`": the prefix is documented, and the
		// same field of another prefix in full or shorthand.
		if strings.Contains(readme, "`"+name[:i+1]+"*`") && strings.Contains(readme, name[i:]+"`") {
			return true
		}
	}
	return false
}

func commentedAssignments(text, pattern string) []string {
	re := regexp.MustCompile(pattern)
	var names []string
	for _, line := range strings.Split(text, "\n") {
		if m := re.FindStringSubmatch(line); m != nil {
			names = append(names, m[1])
		}
	}
	return names
}

func secretLike(s string) bool {
	u := strings.ToUpper(s)
	for _, w := range []string{"SECRET", "PASSWORD", "TOKEN", "_KEY", "KEYS", "MONGODB_URI"} {
		if strings.Contains(u, w) {
			return true
		}
	}
	return false
}

func effectiveEnv(t *testing.T, m manifests) map[string]string {
	env := map[string]string{}
	for k, v := range m.configMaps[0].Data {
		env[k] = v
	}
	for _, e := range m.deployments[0].Spec.Template.Spec.Containers[0].Env {
		env[e.Name] = e.Value
	}
	return env
}

func envVar(env []corev1.EnvVar, name string) (corev1.EnvVar, bool) {
	for _, e := range env {
		if e.Name == name {
			return e, true
		}
	}
	return corev1.EnvVar{}, false
}

func subset(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func ignored(t *testing.T, file, pattern string) bool {
	for _, line := range strings.Split(readFile(t, file), "\n") {
		l := strings.TrimSpace(line)
		if l == pattern || l == "/"+pattern || l == strings.TrimPrefix(pattern, "/") || l == "*.env" && strings.HasSuffix(pattern, ".env") {
			return true
		}
	}
	return false
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
