package reconcile

import (
	"errors"
	"fmt"
	"time"

	"github.com/azgallery/gallery-operator/internal/azure"
)

// Failure is how the core sees an error: the reason its conditions show, the message for the
// user, whether only the user can fix it (terminal) and how soon to try again. Azure is what
// Azure said, when the failure is Azure's answer; nil for the core's own failures (credentials
// that cannot be read, a scope the namespace does not allow, a deletion a kind forbids).
type Failure struct {
	Reason     string
	Message    string
	Terminal   bool
	RetryAfter time.Duration
	Azure      *azure.Error
}

func (f *Failure) Error() string { return f.Reason + ": " + f.Message }

// Refusal is a terminal failure of the core's own: only the user can fix it.
func Refusal(reason, message string) *Failure {
	return &Failure{Reason: reason, Message: message, Terminal: true}
}

// Trouble is a transient failure of the core's own: it is retried with backoff.
func Trouble(reason, message string) *Failure {
	return &Failure{Reason: reason, Message: message}
}

// WaitingError means the object waits for another object (a parent that is missing or not
// Ready). It is neither an Azure error nor a failure: the object is Reconciling with Reason.
type WaitingError struct {
	Reason  string
	Message string
}

func (e *WaitingError) Error() string { return fmt.Sprintf("%s: %s", e.Reason, e.Message) }

// classify turns any error into a Failure, once: a Failure as it is, anything else as Azure's
// answer (azure.Classify) refined by the kind's Hint.
func (r *Reconciler[O, B]) classify(err error) *Failure {
	var f *Failure
	if errors.As(err, &f) {
		return f
	}
	az := azure.Classify(err)
	f = &Failure{Reason: az.Code, Message: az.Message, Terminal: az.Terminal(), RetryAfter: az.RetryAfter, Azure: az}
	if f.Message == "" {
		f.Message = az.Error()
	}
	r.Kind.Hint(f)
	return f
}
