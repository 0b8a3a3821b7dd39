package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// cpuSample is CPU time used so far, in seconds: the hub's own (its
// process_cpu_seconds_total) and that of the PostgreSQL backends serving
// the benchmark's database (from /proc; zero when the server is not
// local). Differences of two samples divided by the work done in between
// give CPU per submission, a figure that other load on the machine
// disturbs far less than throughput.
type cpuSample struct {
	at      time.Time
	hub, pg float64
	pgPIDs  map[int]float64
}

// sampleCPU reads the hub's metrics at base (empty: no hub) and the
// backends of the database at dbURL.
func sampleCPU(ctx context.Context, base, dbURL string) (cpuSample, error) {
	s := cpuSample{at: time.Now(), pgPIDs: map[int]float64{}}
	if base != "" {
		v, err := hubCPU(ctx, base)
		if err != nil {
			return s, err
		}
		s.hub = v
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return s, fmt.Errorf("cpu sample: %w", err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)
	if err != nil {
		return s, fmt.Errorf("cpu sample: %w", err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return s, fmt.Errorf("cpu sample: %w", err)
	}
	for _, pid := range pids {
		if t, ok := procCPU(int(pid)); ok {
			s.pgPIDs[int(pid)] = t
		}
	}
	return s, nil
}

// since returns the hub's and the backends' CPU seconds from earlier to s;
// backends that came or went in between are left out.
func (s cpuSample) since(earlier cpuSample) (hub, pg float64) {
	for pid, t := range s.pgPIDs {
		if t0, ok := earlier.pgPIDs[pid]; ok {
			pg += t - t0
		}
	}
	return s.hub - earlier.hub, pg
}

// hubMetrics returns the lines of the hub's metrics that start with one of
// prefixes.
func hubMetrics(ctx context.Context, base string, prefixes ...string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("hub metrics: %w", err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		for _, p := range prefixes {
			if strings.HasPrefix(sc.Text(), p) {
				b.WriteString(sc.Text() + "\n")
				break
			}
		}
	}
	return b.String(), sc.Err()
}

func hubCPU(ctx context.Context, base string) (float64, error) {
	line, err := hubMetrics(ctx, base, "process_cpu_seconds_total ")
	if err != nil {
		return 0, err
	}
	v, ok := strings.CutPrefix(strings.TrimSpace(line), "process_cpu_seconds_total ")
	if !ok {
		return 0, fmt.Errorf("hub metrics: no process_cpu_seconds_total")
	}
	return strconv.ParseFloat(v, 64)
}

// procCPU is a local process's user + system time in seconds (Linux; clock
// ticks of 1/100 s).
func procCPU(pid int) (float64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return (utime + stime) / 100, true
}
