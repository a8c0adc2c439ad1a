package bot

import "errors"

// UserError carries a message that is safe to show to the user (Chinese),
// separate from the internal error that is logged.
type UserError struct {
	Message string
	Err     error
}

func (e *UserError) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *UserError) Unwrap() error { return e.Err }

// NewUserError wraps err with a user-safe message.
func NewUserError(msg string, err error) error { return &UserError{Message: msg, Err: err} }

// userMessage returns the user-safe part of err, or a generic one.
func userMessage(err error) string {
	var ue *UserError
	if errors.As(err, &ue) {
		return ue.Message
	}
	return "系统暂时繁忙"
}
