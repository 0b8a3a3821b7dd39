package fitconnect

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the connector's Prometheus metrics.
type metrics struct {
	taken     prometheus.Counter
	steps     *prometheus.CounterVec // by the state reached
	failures  *prometheus.CounterVec // by the state that failed to advance
	events    *prometheus.CounterVec // mirrored SETs by event
	badEvents prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		taken: prometheus.NewCounter(prometheus.CounterOpts{Name: "amthub_fitconnect_outbound_taken_total",
			Help: "Submissions the FIT-Connect connector took from a destination's queue."}),
		steps: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "amthub_fitconnect_outbound_steps_total",
			Help: "Submissions that reached a state at FIT-Connect (created, submitted, accepted, rejected)."}, []string{"state"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "amthub_fitconnect_outbound_failures_total",
			Help: "Failed forwarding attempts, by the state the submission was in; each is retried."}, []string{"state"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "amthub_fitconnect_outbound_events_total",
			Help: "Verified SETs read from FIT-Connect event logs, by event."}, []string{"event"}),
		badEvents: prometheus.NewCounter(prometheus.CounterOpts{Name: "amthub_fitconnect_outbound_bad_events_total",
			Help: "SETs that failed verification (signature, key, chain or claims); mirroring stops at them."}),
	}
	if reg == nil {
		return m, nil
	}
	// Several connectors (one per destination) share the metrics: the
	// second finds them registered and uses the first one's.
	var err error
	if m.taken, err = register(reg, m.taken); err != nil {
		return nil, err
	}
	if m.steps, err = register(reg, m.steps); err != nil {
		return nil, err
	}
	if m.failures, err = register(reg, m.failures); err != nil {
		return nil, err
	}
	if m.events, err = register(reg, m.events); err != nil {
		return nil, err
	}
	if m.badEvents, err = register(reg, m.badEvents); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or returns the collector registered before it.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	switch {
	case err == nil:
		return c, nil
	case errors.As(err, &are):
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, fmt.Errorf("fitconnect metrics: %w", err)
}
