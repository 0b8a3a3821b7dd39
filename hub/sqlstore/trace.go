package sqlstore

import (
	"database/sql"

	"github.com/XSAM/otelsql"
	"github.com/exaring/otelpgx"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"go.opentelemetry.io/otel/attribute"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"

	"github.com/amthub/amthub/hub/telemetry"
)

// openPostgres opens the pgx pool, with pgx's OpenTelemetry tracer when tp
// is set: a span per statement, under the caller's span only.
func openPostgres(rawURL string, tp trace.TracerProvider) (*sql.DB, error) {
	if tp == nil {
		return sql.Open("pgx", rawURL)
	}
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		return nil, err
	}
	cfg.Tracer = otelpgx.NewTracer(
		otelpgx.WithTracerProvider(telemetry.ChildrenOnly(tp)),
		otelpgx.WithMeterProvider(metricnoop.NewMeterProvider()),
		otelpgx.WithTrimSQLInSpanName(),
		otelpgx.WithQuerySpanNamePrefix(), // "query SELECT", "prepare SELECT"
		otelpgx.WithDisableConnectionDetailsInAttributes(),
	)
	return stdlib.OpenDB(*cfg), nil
}

// openSQLite opens the SQLite driver through otelsql when tp is set.
func openSQLite(dsn string, tp trace.TracerProvider) (*sql.DB, error) {
	if tp == nil {
		return sql.Open("sqlite", dsn)
	}
	return otelsql.Open("sqlite", dsn,
		otelsql.WithTracerProvider(telemetry.ChildrenOnly(tp)),
		otelsql.WithMeterProvider(metricnoop.NewMeterProvider()),
		otelsql.WithAttributes(attribute.String("db.system.name", "sqlite")),
		otelsql.WithSpanOptions(otelsql.SpanOptions{
			OmitConnResetSession: true, OmitConnPrepare: true, OmitRows: true, OmitConnectorConnect: true,
		}),
	)
}
