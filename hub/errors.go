// Package hub is the domain of amthub, the integration hub between external
// application vendors, citizens and the back-office systems of a German
// e-government portal. It holds the domain types, the error codes every
// surface translates, and the small interfaces its adapters implement.
// It imports no other package of this module.
package hub

import (
	"errors"
	"fmt"
)

// Error codes. Each surface (HTTP, AMQP, CLI) maps them in exactly one place.
const (
	ECONFLICT       = "conflict"      // the state or a unique key is already taken
	EINTERNAL       = "internal"      // a fault of ours; details are logged, never shown
	EINVALID        = "invalid"       // the input breaks a rule
	ENOTFOUND       = "not_found"     // no such object, or not visible to the caller
	EUNAUTHORIZED   = "unauthorized"  // no or bad credentials
	EFORBIDDEN      = "forbidden"     // credentials fine, permission missing
	EUNAVAILABLE    = "unavailable"   // a dependency is down or too slow
	ETOOLARGE       = "too_large"     // the input exceeds a size limit
	ERATELIMITED    = "rate_limited"  // too many requests
	EPRECONDITION   = "precondition"  // a precondition of the operation is not met
	EGONE           = "gone"          // the object existed but has expired
	EUNPROCESSABLE  = "unprocessable" // well-formed but semantically refused
	ENOTIMPLEMENTED = "not_implemented"
)

// Error is a domain error with a machine-readable code and a message that is
// safe to show to the caller. Field optionally names the offending input.
type Error struct {
	Code    string
	Message string
	Field   string
	// Kind optionally names the error more precisely than Code, as a stable
	// snake_case word (e.g. "idempotency_key_reused"); surfaces show it as
	// the problem type.
	Kind string
	// Err is an underlying cause; it is logged, never shown.
	Err error
}

func (e *Error) Error() string {
	msg := e.Code + ": " + e.Message
	if e.Field != "" {
		msg += " (" + e.Field + ")"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EINVALID error that names the offending field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the caller-safe message of err: the message of the
// first *Error in its chain, or a generic text for internal errors.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "An internal error has occurred."
}

// ErrorKind returns the most precise stable name of err: its Kind if set,
// else its code.
func ErrorKind(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Kind != "" {
		return e.Kind
	}
	return ErrorCode(err)
}

// IsCode reports whether err carries the given code.
func IsCode(err error, code string) bool { return ErrorCode(err) == code }
