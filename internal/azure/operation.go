package azure

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// Operation is the state of a long-running Azure operation after starting or polling it.
type Operation struct {
	// ResumeToken resumes polling, also from another process; empty once Done.
	ResumeToken string
	// Done is true when Azure finished the operation successfully.
	Done bool
	// RetryAfter is how long Azure asked the client to wait before polling again (0: not said).
	RetryAfter time.Duration
}

// Started describes an operation just begun: Azure may already have finished it.
func Started[T any](ctx context.Context, poller *runtime.Poller[T]) (Operation, error) {
	return stateOf(ctx, poller, 0)
}

// PollOnce makes one status request; a finished operation's failure is returned as an error.
func PollOnce[T any](ctx context.Context, poller *runtime.Poller[T]) (Operation, error) {
	resp, err := poller.Poll(ctx)
	if err != nil {
		return Operation{}, err
	}
	return stateOf(ctx, poller, retryAfter(resp))
}

// stateOf describes the operation as poller last saw it: done (or failed), or running with its
// resume token and Azure's Retry-After.
func stateOf[T any](ctx context.Context, poller *runtime.Poller[T], retry time.Duration) (Operation, error) {
	if poller.Done() {
		if _, err := poller.Result(ctx); err != nil {
			return Operation{}, &OperationFailedError{Err: err}
		}
		return Operation{Done: true}, nil
	}
	token, err := poller.ResumeToken()
	if err != nil {
		return Operation{}, fmt.Errorf("getting the operation's resume token: %w", err)
	}
	return Operation{ResumeToken: token, RetryAfter: retry}, nil
}

// Begun turns what a Begin* call returned into an Operation: a request error as it is, otherwise
// the started operation.
func Begun[T any](ctx context.Context, poller *runtime.Poller[T], err error) (Operation, error) {
	if err != nil {
		return Operation{}, err
	}
	return Started(ctx, poller)
}

// Resumed polls once an operation resumed from its token.
func Resumed[T any](ctx context.Context, poller *runtime.Poller[T], err error) (Operation, error) {
	if err != nil {
		return Operation{}, fmt.Errorf("resuming the operation: %w", err)
	}
	return PollOnce(ctx, poller)
}

// OperationFailedError is a long-running operation that Azure ended as Failed or Canceled, as
// opposed to a request that failed.
type OperationFailedError struct{ Err error }

func (e *OperationFailedError) Error() string { return "the Azure operation failed: " + e.Err.Error() }

// Unwrap returns the SDK's error, which carries Azure's error code.
func (e *OperationFailedError) Unwrap() error { return e.Err }

// retryAfter is how long a response asks the client to wait (0 when it does not say).
func retryAfter(resp *http.Response) time.Duration {
	if resp == nil {
		return 0
	}
	return RetryAfterFromHeader(resp.Header)
}
