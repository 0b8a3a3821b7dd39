package check

import (
	"fmt"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// validateDeployment checks the hub's pod: selector, service account,
// security context, and for each container its probes, resources and
// grace period.
func (s *Set) validateDeployment(d *appsv1.Deployment) []error {
	var errs []error
	add := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("Deployment %s: "+format, append([]any{d.Name}, a...)...))
	}
	pod := d.Spec.Template.Spec
	if !selects(d.Spec.Selector, labels.Set(d.Spec.Template.Labels)) {
		add("selector does not select its own pod template's labels")
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		add("automountServiceAccountToken must be false: the hub uses no Kubernetes API")
	}
	if _, ok := s.ServiceAccounts[pod.ServiceAccountName]; !ok {
		add("serviceAccountName %q is not in the set", pod.ServiceAccountName)
	}
	psc := pod.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		add("pod securityContext.runAsNonRoot must be true")
	}
	if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		add("pod securityContext.seccompProfile must be RuntimeDefault")
	}
	if len(pod.Containers) == 0 {
		add("no container")
	}
	for _, c := range pod.Containers {
		for _, err := range s.validateContainer(c, pod) {
			add("container %s: %v", c.Name, err)
		}
	}
	return errs
}

func (s *Set) validateContainer(c corev1.Container, pod corev1.PodSpec) []error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.Image == "" {
		add("no image")
	}
	if len(c.Args) == 0 || c.Args[0] != "serve" {
		add("args must start with serve, got %q", c.Args)
	}
	port, err := s.httpPort(c)
	if err != nil {
		add("%v", err)
	}
	for _, p := range []struct {
		kind, path string
		probe      *corev1.Probe
		required   bool
	}{{"livenessProbe", "/healthz", c.LivenessProbe, true}, {"readinessProbe", "/readyz", c.ReadinessProbe, true}, {"startupProbe", "/healthz", c.StartupProbe, false}} {
		if err := checkProbe(c, p.probe, p.path, port, p.required); err != nil {
			add("%s: %v", p.kind, err)
		}
	}
	for _, r := range []struct {
		what string
		list corev1.ResourceList
		name corev1.ResourceName
	}{{"requests", c.Resources.Requests, corev1.ResourceCPU}, {"requests", c.Resources.Requests, corev1.ResourceMemory}, {"limits", c.Resources.Limits, corev1.ResourceMemory}} {
		if q, ok := r.list[r.name]; !ok || q.IsZero() {
			add("resources.%s.%s missing", r.what, r.name)
		}
	}
	errs = append(errs, checkContainerSecurity(c.SecurityContext)...)
	if !mounts(c, "/tmp") {
		add("the root file system is read-only: mount a volume (emptyDir) at /tmp")
	}
	if err := s.checkGrace(c, pod); err != nil {
		add("%v", err)
	}
	return errs
}

// checkProbe wants an HTTP GET on path at the hub's port.
func checkProbe(c corev1.Container, p *corev1.Probe, path string, port int32, required bool) error {
	if p == nil {
		if required {
			return fmt.Errorf("missing (want GET %s)", path)
		}
		return nil
	}
	if p.HTTPGet == nil || p.HTTPGet.Path != path {
		return fmt.Errorf("want an httpGet on %s", path)
	}
	for _, cp := range c.Ports {
		if (cp.Name != "" && cp.Name == p.HTTPGet.Port.StrVal) || cp.ContainerPort == p.HTTPGet.Port.IntVal {
			if cp.ContainerPort != port {
				return fmt.Errorf("port %s is %d, but the hub listens on %d (AMTHUB_HTTP_ADDR)", p.HTTPGet.Port.String(), cp.ContainerPort, port)
			}
			return nil
		}
	}
	return fmt.Errorf("port %s is no container port", p.HTTPGet.Port.String())
}

func checkContainerSecurity(sc *corev1.SecurityContext) []error {
	if sc == nil {
		return []error{fmt.Errorf("no securityContext")}
	}
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		add("securityContext.readOnlyRootFilesystem must be true")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		add("securityContext.allowPrivilegeEscalation must be false")
	}
	if sc.Privileged != nil && *sc.Privileged {
		add("securityContext.privileged must not be true")
	}
	if sc.RunAsUser != nil && *sc.RunAsUser == 0 {
		add("securityContext.runAsUser must not be 0")
	}
	if sc.Capabilities == nil || !hasCap(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
		add("securityContext.capabilities must drop ALL and add none")
	}
	return errs
}

func mounts(c corev1.Container, path string) bool {
	return slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == path && !m.ReadOnly })
}

// checkGrace wants terminationGracePeriodSeconds to cover the preStop
// pause, the HTTP drain and the workers' stop (AMTHUB_SHUTDOWN_TIMEOUT
// each), plus two seconds to close connections.
func (s *Set) checkGrace(c corev1.Container, pod corev1.PodSpec) error {
	timeout := defaultShutdown
	if v, ok := s.setting(c, "AMTHUB_SHUTDOWN_TIMEOUT"); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("AMTHUB_SHUTDOWN_TIMEOUT %q: %w", v, err)
		}
		timeout = d
	}
	var pause time.Duration
	if c.Lifecycle != nil && c.Lifecycle.PreStop != nil {
		if c.Lifecycle.PreStop.Sleep == nil {
			return fmt.Errorf("preStop must be a sleep action: the image has no shell")
		}
		pause = time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
	}
	need := pause + 2*timeout + 2*time.Second
	if pod.TerminationGracePeriodSeconds == nil || time.Duration(*pod.TerminationGracePeriodSeconds)*time.Second < need {
		return fmt.Errorf("terminationGracePeriodSeconds must be at least %s (preStop %s + 2 x AMTHUB_SHUTDOWN_TIMEOUT %s + 2s)", need, pause, timeout)
	}
	return nil
}

// validateSettings checks the container's environment: every AMTHUB_
// name exists in the hub (vars), the ConfigMaps and Secrets it reads are
// in the set, and the secret settings come only from a Secret.
func (s *Set) validateSettings(d *appsv1.Deployment, vars map[string]bool) []error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	known := func(where, name string) {
		if strings.HasPrefix(name, "AMTHUB_") && !vars[name] {
			add("%s: %s is not a variable the hub reads", where, name)
		}
	}
	for _, cm := range s.ConfigMaps {
		for k := range cm.Data {
			known("ConfigMap "+cm.Name, k)
			if slices.Contains(SecretVariables, k) {
				add("ConfigMap %s: %s holds a secret: put it in a Secret", cm.Name, k)
			}
		}
	}
	for _, sec := range s.Secrets {
		for k := range sec.StringData {
			known("Secret "+sec.Name, k)
		}
		for k := range sec.Data {
			known("Secret "+sec.Name, k)
		}
	}
	for _, c := range d.Spec.Template.Spec.Containers {
		for _, e := range c.Env {
			known("container "+c.Name, e.Name)
			if slices.Contains(SecretVariables, e.Name) && e.ValueFrom == nil {
				add("container %s: %s as a literal value: take it from a Secret", c.Name, e.Name)
			}
		}
		errs = append(errs, s.checkSecretRefs(c)...)
	}
	return errs
}

// checkSecretRefs wants every ConfigMap and Secret the container reads in
// the set, and every secret setting in one of its Secrets.
func (s *Set) checkSecretRefs(c corev1.Container) []error {
	var errs []error
	have := map[string]bool{}
	for _, from := range c.EnvFrom {
		switch {
		case from.ConfigMapRef != nil:
			if _, ok := s.ConfigMaps[from.ConfigMapRef.Name]; !ok {
				errs = append(errs, fmt.Errorf("container %s: ConfigMap %s is not in the set", c.Name, from.ConfigMapRef.Name))
			}
		case from.SecretRef != nil:
			sec, ok := s.Secrets[from.SecretRef.Name]
			if !ok {
				errs = append(errs, fmt.Errorf("container %s: Secret %s is not in the set (nor its example)", c.Name, from.SecretRef.Name))
				continue
			}
			for k := range sec.StringData {
				have[k] = true
			}
			for k := range sec.Data {
				have[k] = true
			}
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			have[e.Name] = true
		}
	}
	for _, v := range SecretVariables {
		if !have[v] {
			errs = append(errs, fmt.Errorf("container %s: %s comes from no Secret (envFrom secretRef)", c.Name, v))
		}
	}
	return errs
}
