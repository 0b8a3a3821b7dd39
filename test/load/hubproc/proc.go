// Package hubproc runs amthub as separate processes for the fault-injection
// run (test/chaos) and the load benchmark (test/load): it builds the binary,
// starts, kills and restarts `amthub serve`, `amthub dev` and the
// Fachverfahren simulator, and gives each run its own RabbitMQ virtual host
// and PostgreSQL database on the local servers.
package hubproc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// Build compiles the amthub binary into dir and returns its path. extra is
// passed to `go build` before the package (e.g. -overlay).
func Build(ctx context.Context, dir string, extra ...string) (string, error) {
	bin := filepath.Join(dir, "amthub")
	args := append(append([]string{"build", "-o", bin}, extra...), "github.com/amthub/amthub/cmd/amthub")
	cmd := exec.CommandContext(ctx, "go", args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build amthub: %w\n%s", err, out)
	}
	return bin, nil
}

// Proc is a child process whose stderr and stdout go to a log file.
type Proc struct {
	Name   string
	cmd    *exec.Cmd
	log    *os.File
	exited chan struct{}
	err    error
}

// Start runs bin with args; env is added to the current environment.
func Start(name, bin string, args, env []string, logPath string) (*Proc, error) {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Proc{Name: name, cmd: cmd, log: f, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.exited)
	}()
	return p, nil
}

// Exited is closed when the process has ended.
func (p *Proc) Exited() <-chan struct{} { return p.exited }

// Kill sends SIGKILL and waits for the process to end.
func (p *Proc) Kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// Stop sends SIGINT, waits up to timeout, then kills. It reports an error
// when the process had to be killed.
func (p *Proc) Stop(timeout time.Duration) error {
	select {
	case <-p.exited:
		return nil
	default:
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.exited:
		return nil
	case <-time.After(timeout):
		p.Kill()
		return fmt.Errorf("%s did not stop within %s of SIGINT", p.Name, timeout)
	}
}

// FreeAddr returns a loopback address with a port that was free a moment
// ago.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// waitFor polls cond every 50 ms until it returns nil, the process exits,
// or the timeout passes.
func waitFor(ctx context.Context, p *Proc, timeout time.Duration, what string, cond func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return nil
		}
		select {
		case <-p.Exited():
			return fmt.Errorf("%s exited before %s: %v", p.Name, what, p.err)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if time.Now().After(deadline) {
			return errors.Join(fmt.Errorf("%s: no %s within %s", p.Name, what, timeout), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
