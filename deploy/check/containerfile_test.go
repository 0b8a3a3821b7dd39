package check_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amthub/amthub/deploy/check"
)

func TestContainerfile(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		if err := check.CheckContainerfile("../Containerfile", root); err != nil {
			t.Fatalf("deploy/Containerfile fails its check:\n%v", err)
		}
	})
	t.Run("BuildContext", func(t *testing.T) {
		if err := check.CheckBuildContext("../Containerfile", root); err != nil {
			t.Fatalf("the build context misses files the build needs:\n%v", err)
		}
	})
	t.Run("BuildContextBroken", func(t *testing.T) {
		err := check.CheckBuildContext("testdata/containerfile/ignored-hub.Containerfile", root)
		if want := "the build needs hub/errors.go, but ignored-hub.Containerfile.dockerignore leaves it out"; err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("got %v, want an error containing %q", err, want)
		}
	})
	for _, tc := range []struct{ name, want string }{
		{"shell-entrypoint", "ENTRYPOINT and CMD must be in exec form"},
		{"root-user", `USER is "0:0": want a numeric, non-root uid:gid`},
		{"named-user", `USER is "nonroot": want a numeric`},
		{"debian-final", "the final stage is FROM debian:trixie-slim: want scratch"},
		{"shell-in-final", "the final stage has no shell: RUN"},
		{"no-licence-label", `label org.opencontainers.image.licenses is "", want "EUPL-1.2"`},
		{"cgo", "the go build must set CGO_ENABLED=0 and -trimpath"},
		{"no-ca-certificates", "the final stage does not copy /etc/ssl/certs/ca-certificates.crt"},
		{"not-serve", "want amthub serve"},
		{"lint-warning", "lint FromAsCasing"},
		{"missing-context-file", "stage build copies NOTICE.md, which is not in the build context"},
		{"ignored-file", "stage build copies go.sum, which is not in the build context"},
		{"old-go", "ARG GO_VERSION is 1.26, but go.mod pins Go 1.26.11"},
		{"no-licence-file", "the final stage does not copy LICENSE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join("testdata", "containerfile", tc.name+".Containerfile")
			if _, err := os.Stat(file); err != nil {
				t.Fatal(err)
			}
			err := check.CheckContainerfile(file, root)
			if err == nil {
				t.Fatalf("the check passed a broken Containerfile (%s)", file)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got error\n%v\nwant it to contain %q", err, tc.want)
			}
			t.Logf("fails as it should: %s", firstLine(err.Error(), tc.want))
		})
	}
}
