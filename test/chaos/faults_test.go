//go:build chaos

package chaos

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/amthub/amthub/test/load/hubproc"
)

// fault is one injected failure: inject starts it, heal ends it after hold.
type fault struct {
	name   string
	inject func(ctx context.Context) error
	hold   time.Duration
	heal   func(ctx context.Context) error
}

// faultRun records when a fault was injected and healed.
type faultRun struct {
	name              string
	injected, healing time.Time // healing: the heal action was issued
	healed            time.Time // the heal action returned
	err               error
}

// inject runs f and returns its record; errors are recorded, not fatal,
// so that the servers are always healed.
func (f fault) run(ctx context.Context, logf func(string, ...any)) faultRun {
	r := faultRun{name: f.name, injected: time.Now()}
	logf("fault %s: inject", f.name)
	if err := f.inject(ctx); err != nil {
		r.err = fmt.Errorf("inject %s: %w", f.name, err)
	}
	time.Sleep(f.hold)
	r.healing = time.Now()
	if f.heal != nil {
		if err := f.heal(ctx); err != nil && r.err == nil {
			r.err = fmt.Errorf("heal %s: %w", f.name, err)
		}
	}
	r.healed = time.Now()
	logf("fault %s: healed after %s (heal took %s)", f.name, r.healing.Sub(r.injected).Round(time.Millisecond), r.healed.Sub(r.healing).Round(time.Millisecond))
	return r
}

// command runs a server administration command with a time limit.
func command(ctx context.Context, timeout time.Duration, name string, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// postgresVersion is the newest cluster version in /etc/postgresql.
func postgresVersion() (string, error) {
	entries, err := os.ReadDir("/etc/postgresql")
	if err != nil {
		return "", fmt.Errorf("find the PostgreSQL cluster: %w", err)
	}
	var vs []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join("/etc/postgresql", e.Name(), "main")); err == nil {
			vs = append(vs, e.Name())
		}
	}
	if len(vs) == 0 {
		return "", fmt.Errorf("no PostgreSQL cluster in /etc/postgresql")
	}
	sort.Slice(vs, func(i, j int) bool { return len(vs[i]) < len(vs[j]) || len(vs[i]) == len(vs[j]) && vs[i] < vs[j] })
	return vs[len(vs)-1], nil
}

func restartPostgres(ctx context.Context) error {
	v, err := postgresVersion()
	if err != nil {
		return err
	}
	return command(ctx, 90*time.Second, "pg_ctlcluster", "--skip-systemctl-redirect", v, "main", "restart")
}

func stopRabbit(ctx context.Context) error {
	return command(ctx, 90*time.Second, "rabbitmqctl", "stop_app")
}

func startRabbit(ctx context.Context) error {
	if err := command(ctx, 90*time.Second, "rabbitmqctl", "start_app"); err != nil {
		return err
	}
	return command(ctx, 90*time.Second, "rabbitmqctl", "await_startup")
}

// ensureServers starts PostgreSQL and RabbitMQ if a fault left one down:
// other tests on this machine share them.
func ensureServers(ctx context.Context) error {
	var errs []string
	if !hubproc.Reachable(hubproc.DefaultAMQPHost) {
		if err := startRabbit(ctx); err != nil {
			// The node itself is down: start it.
			if err := command(ctx, 30*time.Second, "rabbitmq-server", "-detached"); err != nil {
				errs = append(errs, err.Error())
			} else if err := command(ctx, 120*time.Second, "rabbitmqctl", "await_startup"); err != nil {
				errs = append(errs, err.Error())
			}
		}
	}
	if !hubproc.Reachable("127.0.0.1:5432") {
		v, err := postgresVersion()
		if err == nil {
			err = command(ctx, 90*time.Second, "pg_ctlcluster", "--skip-systemctl-redirect", v, "main", "start")
		}
		if err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("restore servers: %s", strings.Join(errs, "; "))
	}
	return nil
}
