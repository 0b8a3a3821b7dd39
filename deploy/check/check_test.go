package check_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/amthub/amthub/deploy/check"
)

const (
	root      = "../.."
	manifests = "../kubernetes"
)

// load renders the base, with files replaced by those of the same name in
// overlay (if not empty), adds the example Secret, and checks the set.
func load(t *testing.T, overlay string) error {
	t.Helper()
	vars, err := check.HubVariables(root)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, from := range []string{manifests, overlay} {
		if from == "" {
			continue
		}
		files, err := filepath.Glob(filepath.Join(from, "*.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, objs, err := check.LoadBase(dir)
	if err != nil {
		return err
	}
	secret, err := check.DecodeFile(filepath.Join(dir, "secret.example.yaml"))
	if err != nil {
		return err
	}
	s, err := check.NewSet(append(objs, secret...))
	if err != nil {
		return err
	}
	return s.Validate(vars)
}

func TestManifests(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		if err := load(t, ""); err != nil {
			t.Fatalf("the manifests in deploy/kubernetes fail their check:\n%v", err)
		}
	})
	t.Run("Rendered", func(t *testing.T) {
		_, objs, err := check.LoadBase(manifests)
		if err != nil {
			t.Fatal(err)
		}
		s, err := check.NewSet(objs)
		if err != nil {
			t.Fatal(err)
		}
		d := s.Deployments[0]
		if got, want := d.Spec.Template.Spec.Containers[0].Image, "amthub:dev"; got != want {
			t.Errorf("rendered image: got %q, want %q (kustomization images)", got, want)
		}
		if got, want := d.Labels["app.kubernetes.io/part-of"], "amthub"; got != want {
			t.Errorf("rendered label part-of: got %q, want %q (kustomization labels)", got, want)
		}
	})
	t.Run("EveryFileChecked", func(t *testing.T) {
		k, _, err := check.LoadBase(manifests)
		if err != nil {
			t.Fatal(err)
		}
		files, err := filepath.Glob(filepath.Join(manifests, "*.y*ml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			name := filepath.Base(f)
			if name != "kustomization.yaml" && name != "secret.example.yaml" && !slices.Contains(k.Resources, name) {
				t.Errorf("%s is not in kustomization.yaml, so nothing applies or checks it", name)
			}
		}
	})
}

// TestBrokenManifests proves the check fails: each case is the base with
// one file replaced by a broken copy from testdata/broken/<case>.
func TestBrokenManifests(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"unknown-field", `unknown field "spec.template.spec.containers[0].readinesProbe"`},
		{"duplicate-field", `"type" already set`},
		{"removed-api-version", `no kind "HorizontalPodAutoscaler" is registered for version "autoscaling/v2beta2"`},
		{"unknown-kind", `no kind "PodDisruptionBudgets" is registered`},
		{"no-readiness-probe", "readinessProbe: missing (want GET /readyz)"},
		{"liveness-wrong-path", "livenessProbe: want an httpGet on /healthz"},
		{"probe-wrong-port", "port http is 9090, but the hub listens on 8080 (AMTHUB_HTTP_ADDR)"},
		{"no-cpu-request", "resources.requests.cpu missing"},
		{"writable-root", "readOnlyRootFilesystem must be true"},
		{"capabilities-kept", "capabilities must drop ALL"},
		{"no-seccomp", "pod securityContext.seccompProfile must be RuntimeDefault"},
		{"root-allowed", "pod securityContext.runAsNonRoot must be true"},
		{"short-grace", "terminationGracePeriodSeconds must be at least 23s"},
		{"replicas-set", "the HorizontalPodAutoscaler owns the replica count"},
		{"pdb-selects-nothing", "PodDisruptionBudget amthub: selector does not select the Deployment's pods"},
		{"service-selects-nothing", "app.kubernetes.io/name:amthub-hub] does not select the Deployment's pods"},
		{"hpa-wrong-target", "scaleTargetRef apps/v1 Deployment/amthub-hub is not the Deployment"},
		{"hpa-cpu-only", "want a cpu Resource metric and a Pods metric"},
		{"secret-in-configmap", "AMTHUB_DATABASE_URL holds a secret"},
		{"invented-variable", "AMTHUB_HTTP_PORT is not a variable the hub reads"},
		{"no-secret-ref", "AMTHUB_KEY_ENCRYPTION_KEY comes from no Secret"},
		{"kustomization-missing-resource", "networkpolicy.yaml: no such file or directory"},
		{"kustomization-unknown-field", `unknown field "resource"`},
		{"namespaced", "Service amthub: metadata.namespace is set, but the base is namespace-agnostic"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join("testdata", "broken", tc.name)
			if _, err := os.Stat(dir); err != nil {
				t.Fatal(err)
			}
			err := load(t, dir)
			if err == nil {
				t.Fatalf("the check passed a broken manifest (%s)", dir)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got error\n%v\nwant it to contain %q", err, tc.want)
			}
			t.Logf("fails as it should: %s", firstLine(err.Error(), tc.want))
		})
	}
}

// firstLine returns the line of msg that holds want.
func firstLine(msg, want string) string {
	for _, l := range strings.Split(msg, "\n") {
		if strings.Contains(l, want) {
			return l
		}
	}
	return msg
}
