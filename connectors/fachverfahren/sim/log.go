package sim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/amthub/amthub/connectors/fachverfahren"
)

// Decisions the simulator takes.
const (
	DecisionAccepted = "accepted"
	DecisionRejected = "rejected"
)

// Applied records one submission the simulator applied, and every reply it
// sends for it, so a redelivery re-sends the same replies with the same ids.
type Applied struct {
	SubmissionID string                `json:"submissionId"`
	CaseID       string                `json:"caseId"`
	MessageID    string                `json:"messageId"` // the delivery that was applied
	Tenant       string                `json:"tenant"`
	AppliedAt    time.Time             `json:"appliedAt"`
	Decision     string                `json:"decision"` // DecisionAccepted or DecisionRejected
	Reference    string                `json:"reference,omitempty"`
	Replies      []fachverfahren.Reply `json:"replies"`
}

// appliedLog is the durable log of applied submissions: JSON lines, each
// fsynced before its replies go out. Without a file it lives in memory.
type appliedLog struct {
	mu      sync.Mutex
	f       *os.File
	closed  bool
	entries []Applied
	index   map[string]int // submission id → entries index
}

// openLog loads the log at path, creating it if need be; "" keeps the log
// in memory.
func openLog(path string) (*appliedLog, error) {
	l := &appliedLog{index: map[string]int{}}
	if path == "" {
		return l, nil
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open applied log: %w", err)
	}
	entries, good, err := readEntries(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read applied log %s: %w", path, err)
	}
	// Drop a torn last line, left by a crash in the middle of a write.
	if err := f.Truncate(good); err != nil {
		f.Close()
		return nil, fmt.Errorf("truncate applied log %s: %w", path, err)
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("seek applied log %s: %w", path, err)
	}
	if err := syncDir(path); err != nil {
		f.Close()
		return nil, err
	}
	l.f = f
	for _, a := range entries {
		if _, dup := l.index[a.SubmissionID]; !dup {
			l.index[a.SubmissionID] = len(l.entries)
			l.entries = append(l.entries, a)
		}
	}
	return l, nil
}

// readEntries parses complete lines and returns the offset after the last
// one. An unterminated last line is ignored; a bad complete line is an
// error, since silently dropping applied submissions would re-apply them.
func readEntries(r io.Reader) ([]Applied, int64, error) {
	br := bufio.NewReader(r)
	var (
		entries []Applied
		good    int64
	)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return entries, good, nil // len(line) > 0: torn tail
		}
		if err != nil {
			return nil, 0, err
		}
		if trimmed := bytes.TrimSpace(line); len(trimmed) > 0 {
			var a Applied
			if err := json.Unmarshal(trimmed, &a); err != nil {
				return nil, 0, fmt.Errorf("line %d: %w", n, err)
			}
			entries = append(entries, a)
		}
		good += int64(len(line))
	}
}

// syncDir makes the log file's directory entry durable.
func syncDir(path string) error {
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("open applied log directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync applied log directory: %w", err)
	}
	return nil
}

// apply returns the entry of submissionID; when there is none yet it
// records decide's and reports fresh. The entry is durable before apply
// returns it.
func (l *appliedLog) apply(submissionID string, decide func() Applied) (a Applied, fresh bool, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if i, ok := l.index[submissionID]; ok {
		return l.entries[i], false, nil
	}
	if l.closed {
		return Applied{}, false, errors.New("applied log is closed")
	}
	a = decide()
	if l.f != nil {
		line, err := json.Marshal(a)
		if err != nil {
			return Applied{}, false, fmt.Errorf("encode applied entry %s: %w", submissionID, err)
		}
		if _, err := l.f.Write(append(line, '\n')); err != nil {
			return Applied{}, false, fmt.Errorf("write applied entry %s: %w", submissionID, err)
		}
		if err := l.f.Sync(); err != nil {
			return Applied{}, false, fmt.Errorf("sync applied entry %s: %w", submissionID, err)
		}
	}
	l.index[submissionID] = len(l.entries)
	l.entries = append(l.entries, a)
	return a, true, nil
}

// all returns a copy of the entries in the order they were applied.
func (l *appliedLog) all() []Applied {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Applied(nil), l.entries...)
}

func (l *appliedLog) close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	if err != nil {
		return fmt.Errorf("close applied log: %w", err)
	}
	return nil
}

// ReadLog reads an applied log file, for checkers that compare it with
// what the hub and vendors saw, without running a simulator.
func ReadLog(path string) ([]Applied, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open applied log: %w", err)
	}
	defer f.Close()
	entries, _, err := readEntries(f)
	if err != nil {
		return nil, fmt.Errorf("read applied log %s: %w", path, err)
	}
	return entries, nil
}
