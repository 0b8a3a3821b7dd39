package sqlstore

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/amthub/amthub/hub"
)

// Translate maps constraint violations of either database to *hub.Error
// codes, so that both dialects answer the same: unique → ECONFLICT, foreign
// key, not null and check → EINVALID. Other errors pass unchanged.
func Translate(err error) error {
	if err == nil {
		return nil
	}
	var he *hub.Error
	if errors.As(err, &he) {
		return err
	}
	code := ""
	var pgErr *pgconn.PgError
	var sqErr *sqlite.Error
	switch {
	case errors.As(err, &pgErr):
		switch pgErr.Code {
		case "23505":
			code = hub.ECONFLICT
		case "23503", "23502", "23514", "22001", "22P02":
			code = hub.EINVALID
		}
	case errors.As(err, &sqErr):
		switch sqErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			code = hub.ECONFLICT
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, sqlite3.SQLITE_CONSTRAINT_NOTNULL, sqlite3.SQLITE_CONSTRAINT_CHECK:
			code = hub.EINVALID
		}
	}
	switch code {
	case hub.ECONFLICT:
		return &hub.Error{Code: code, Message: "The object already exists.", Err: err}
	case hub.EINVALID:
		return &hub.Error{Code: code, Message: "The input violates a constraint.", Err: err}
	}
	return err
}
