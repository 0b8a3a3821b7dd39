package check

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// SecretVariables are the settings that carry passwords or keys: they
// come from a Secret, never from a ConfigMap or a literal value, and
// `amthub serve` needs every one of them.
var SecretVariables = []string{"AMTHUB_DATABASE_URL", "AMTHUB_AMQP_URL", "AMTHUB_REDIS_URL", "AMTHUB_KEY_ENCRYPTION_KEY"}

// defaultShutdown is the hub's AMTHUB_SHUTDOWN_TIMEOUT when unset.
const defaultShutdown = 8 * time.Second

// Set is one installation: the objects of the base plus its Secret.
type Set struct {
	Deployments     []*appsv1.Deployment
	Services        []*corev1.Service
	PDBs            []*policyv1.PodDisruptionBudget
	HPAs            []*autoscalingv2.HorizontalPodAutoscaler
	ConfigMaps      map[string]*corev1.ConfigMap
	Secrets         map[string]*corev1.Secret
	ServiceAccounts map[string]*corev1.ServiceAccount
}

// NewSet sorts objs by kind; a kind the hub does not deploy is an error.
func NewSet(objs []runtime.Object) (*Set, error) {
	s := &Set{ConfigMaps: map[string]*corev1.ConfigMap{}, Secrets: map[string]*corev1.Secret{},
		ServiceAccounts: map[string]*corev1.ServiceAccount{}}
	for _, o := range objs {
		if m, ok := o.(metav1.Object); ok && m.GetNamespace() != "" {
			return nil, fmt.Errorf("%s %s: metadata.namespace is set, but the base is namespace-agnostic (kubectl -n, or an overlay)",
				o.GetObjectKind().GroupVersionKind().Kind, m.GetName())
		}
		switch o := o.(type) {
		case *appsv1.Deployment:
			s.Deployments = append(s.Deployments, o)
		case *corev1.Service:
			s.Services = append(s.Services, o)
		case *policyv1.PodDisruptionBudget:
			s.PDBs = append(s.PDBs, o)
		case *autoscalingv2.HorizontalPodAutoscaler:
			s.HPAs = append(s.HPAs, o)
		case *corev1.ConfigMap:
			s.ConfigMaps[o.Name] = o
		case *corev1.Secret:
			s.Secrets[o.Name] = o
		case *corev1.ServiceAccount:
			s.ServiceAccounts[o.Name] = o
		default:
			return nil, fmt.Errorf("unexpected kind %s", o.GetObjectKind().GroupVersionKind())
		}
	}
	return s, nil
}

// Validate checks that the set hangs together as a hub installation needs:
// probes, resources and a locked-down security context on the hub's
// container, a PodDisruptionBudget, Service and HorizontalPodAutoscaler
// that select or target the Deployment, settings that exist in the hub
// (vars), secrets only from a Secret, and a grace period that covers the
// hub's shutdown. It reports every problem, not just the first.
func (s *Set) Validate(vars map[string]bool) error {
	if len(s.Deployments) != 1 {
		return fmt.Errorf("want exactly one Deployment, got %d", len(s.Deployments))
	}
	d := s.Deployments[0]
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	errs = append(errs, s.validateDeployment(d)...)
	errs = append(errs, s.validateSettings(d, vars)...)
	podLabels := labels.Set(d.Spec.Template.Labels)
	if len(s.Services) == 0 {
		add("no Service")
	}
	for _, svc := range s.Services {
		if len(svc.Spec.Selector) == 0 || !labels.SelectorFromSet(svc.Spec.Selector).Matches(podLabels) {
			add("Service %s: selector %v does not select the Deployment's pods %v", svc.Name, svc.Spec.Selector, podLabels)
		}
		for _, p := range svc.Spec.Ports {
			if !hasPort(d.Spec.Template.Spec.Containers, p.TargetPort) {
				add("Service %s: targetPort %s is no container port", svc.Name, p.TargetPort.String())
			}
		}
	}
	if len(s.PDBs) == 0 {
		add("no PodDisruptionBudget")
	}
	for _, pdb := range s.PDBs {
		if !selects(pdb.Spec.Selector, podLabels) {
			add("PodDisruptionBudget %s: selector does not select the Deployment's pods %v", pdb.Name, podLabels)
		}
		if pdb.Spec.MinAvailable == nil && pdb.Spec.MaxUnavailable == nil {
			add("PodDisruptionBudget %s: neither minAvailable nor maxUnavailable", pdb.Name)
		}
	}
	if len(s.HPAs) == 0 {
		add("no HorizontalPodAutoscaler")
	}
	for _, h := range s.HPAs {
		errs = append(errs, validateHPA(h, d)...)
	}
	return errors.Join(errs...)
}

// selects reports whether sel is set and matches set.
func selects(sel *metav1.LabelSelector, set labels.Set) bool {
	if sel == nil {
		return false
	}
	ls, err := metav1.LabelSelectorAsSelector(sel)
	return err == nil && !ls.Empty() && ls.Matches(set)
}

// hasPort reports whether port (a name or a number) is a container port.
func hasPort(cs []corev1.Container, port intstr.IntOrString) bool {
	for _, c := range cs {
		for _, p := range c.Ports {
			if (port.Type == intstr.String && p.Name == port.StrVal) || (port.Type == intstr.Int && p.ContainerPort == port.IntVal) {
				return true
			}
		}
	}
	return false
}

func validateHPA(h *autoscalingv2.HorizontalPodAutoscaler, d *appsv1.Deployment) []error {
	var errs []error
	add := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("HorizontalPodAutoscaler %s: "+format, append([]any{h.Name}, a...)...))
	}
	if t := h.Spec.ScaleTargetRef; t.APIVersion != "apps/v1" || t.Kind != "Deployment" || t.Name != d.Name {
		add("scaleTargetRef %s %s/%s is not the Deployment apps/v1 Deployment/%s", t.APIVersion, t.Kind, t.Name, d.Name)
	}
	if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 2 {
		add("minReplicas must be at least 2 (one hub may be drained at a time)")
	}
	if h.Spec.MinReplicas != nil && h.Spec.MaxReplicas < *h.Spec.MinReplicas {
		add("maxReplicas %d below minReplicas %d", h.Spec.MaxReplicas, *h.Spec.MinReplicas)
	}
	var cpu, pods bool
	for _, m := range h.Spec.Metrics {
		switch {
		case m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil && m.Resource.Name == corev1.ResourceCPU:
			cpu = true
		case m.Type == autoscalingv2.PodsMetricSourceType && m.Pods != nil && m.Pods.Metric.Name != "":
			pods = true
		}
	}
	if !cpu || !pods {
		add("want a cpu Resource metric and a Pods metric of the hub (cpu %v, pods %v)", cpu, pods)
	}
	if d.Spec.Replicas != nil {
		errs = append(errs, fmt.Errorf("Deployment %s: spec.replicas is set, but the HorizontalPodAutoscaler owns the replica count", d.Name))
	}
	return errs
}

// PodsMetrics returns the metric names the autoscalers read per pod.
func (s *Set) PodsMetrics() []string {
	var out []string
	for _, h := range s.HPAs {
		for _, m := range h.Spec.Metrics {
			if m.Pods != nil {
				out = append(out, m.Pods.Metric.Name)
			}
		}
	}
	return out
}

// setting returns the value of the variable name as the container sees
// it: its own env first, then the ConfigMaps it reads.
func (s *Set) setting(c corev1.Container, name string) (string, bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value, true
		}
	}
	for _, from := range c.EnvFrom {
		if from.ConfigMapRef != nil {
			if cm, ok := s.ConfigMaps[from.ConfigMapRef.Name]; ok {
				if v, ok := cm.Data[name]; ok {
					return v, true
				}
			}
		}
	}
	return "", false
}

// httpPort is the port of AMTHUB_HTTP_ADDR (default :8080).
func (s *Set) httpPort(c corev1.Container) (int32, error) {
	addr, ok := s.setting(c, "AMTHUB_HTTP_ADDR")
	if !ok {
		addr = ":8080"
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, fmt.Errorf("AMTHUB_HTTP_ADDR %q: %w", addr, err)
	}
	n, err := strconv.ParseInt(port, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("AMTHUB_HTTP_ADDR %q: port: %w", addr, err)
	}
	return int32(n), nil
}

// hasCap reports whether caps names c.
func hasCap(caps []corev1.Capability, c corev1.Capability) bool { return slices.Contains(caps, c) }
