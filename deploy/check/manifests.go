package check

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// decoder decodes the kinds a hub installation consists of, strictly:
// an unknown field, a duplicate field or a kind outside these groups is an
// error, where kubectl would warn or the API server would drop the field.
func decoder() (runtime.Decoder, error) {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, policyv1.AddToScheme, autoscalingv2.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			return nil, fmt.Errorf("build scheme: %w", err)
		}
	}
	return serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer(), nil
}

// Decode decodes every YAML document in data into its Kubernetes type.
func Decode(data []byte) ([]runtime.Object, error) {
	dec, err := decoder()
	if err != nil {
		return nil, err
	}
	var objs []runtime.Object
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for i := 1; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		js, err := yaml.YAMLToJSONStrict(doc)
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		if s := strings.TrimSpace(string(js)); s == "null" || s == "" {
			continue // only comments
		}
		obj, _, err := dec.Decode(js, nil, nil)
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		objs = append(objs, obj)
	}
}

// DecodeFile decodes one manifest file.
func DecodeFile(path string) ([]runtime.Object, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	objs, err := Decode(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return objs, nil
}

// Kustomization is the part of kustomize's file format the base uses;
// anything else in it is an error, so the check never passes over a field
// it does not understand.
type Kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
	Labels     []struct {
		Pairs            map[string]string `json:"pairs"`
		IncludeSelectors bool              `json:"includeSelectors,omitempty"`
	} `json:"labels,omitempty"`
	Images []struct {
		Name    string `json:"name"`
		NewName string `json:"newName,omitempty"`
		NewTag  string `json:"newTag,omitempty"`
	} `json:"images,omitempty"`
}

// LoadBase reads dir/kustomization.yaml, decodes every resource it lists
// strictly, then renders the kustomization as `kubectl apply -k` would
// (kustomize's own library) and returns the rendered objects, decoded
// strictly again: what the cluster would receive.
func LoadBase(dir string) (Kustomization, []runtime.Object, error) {
	var k Kustomization
	b, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		return k, nil, err
	}
	if err := yaml.UnmarshalStrict(b, &k); err != nil {
		return k, nil, fmt.Errorf("kustomization.yaml: %w", err)
	}
	if k.APIVersion != "kustomize.config.k8s.io/v1beta1" || k.Kind != "Kustomization" {
		return k, nil, fmt.Errorf("kustomization.yaml: want kustomize.config.k8s.io/v1beta1 Kustomization, got %s %s", k.APIVersion, k.Kind)
	}
	for _, res := range k.Resources {
		if _, err := DecodeFile(filepath.Join(dir, res)); err != nil {
			return k, nil, err
		}
	}
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return k, nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	rendered, err := m.AsYaml()
	if err != nil {
		return k, nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	objs, err := Decode(rendered)
	if err != nil {
		return k, nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	return k, objs, nil
}
