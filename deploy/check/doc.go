// Package check validates the deployment files in deploy/: the
// Containerfile parses and lints with BuildKit's parser and builds what it
// promises, the Kubernetes manifests decode strictly against the Kubernetes
// API types and hang together, and every metric the dashboard and the
// alerts name exists in the hub's source. It is its own module so that k8s.io/* stays out of the
// hub's go.mod.
package check
