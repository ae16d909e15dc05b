package gateway

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/junction-run/junction/credentials"
	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/intake"
	"github.com/junction-run/junction/manage"
	"github.com/junction-run/junction/store"
)

// 8x8's error codes (see the Automation API's error schema).
const (
	codeInvalidParameter  = 1000
	codeOutOfRange        = 1010
	codeUnauthorized      = 1200
	codeForbidden         = 1201
	codeNotFound          = 1300
	codeInternal          = 2000
	codeInvalidDefinition = 5001
	codeRateLimited       = 429
)

// errorBody is 8x8's error body. Errors, a Junction extension, lists every
// field problem by JSON path so a client can point at them.
type errorBody struct {
	Code      int          `json:"code"`
	Message   string       `json:"message"`
	ErrorID   string       `json:"errorId"`
	Timestamp string       `json:"timestamp"`
	Errors    []fieldError `json:"errors,omitempty"`
}

type fieldError struct {
	Path    string `json:"path"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message"`
}

// apiError is an answer decided where the error is found: what a handler
// or middleware returns when it turns a request down itself, as Caddy's
// caddyhttp.Error carries a status. Err, if set, is the cause, logged for a
// 5xx and never shown.
type apiError struct {
	Status  int
	Code    int
	Message string
	Fields  []fieldError
	Err     error
	// RetryAfter, when set, is sent as the Retry-After header (whole
	// seconds, rounded up): how long until the request may succeed.
	RetryAfter time.Duration
}

func (e *apiError) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *apiError) Unwrap() error { return e.Err }

// badRequest is a 400 for a parameter; fields name what is wrong.
func badRequest(message string, fields ...fieldError) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: codeInvalidParameter, Message: message, Fields: fields}
}

// outOfRange is a 400 for a number outside what the parameter takes.
func outOfRange(message string, fields ...fieldError) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: codeOutOfRange, Message: message, Fields: fields}
}

func notFound(message string) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: codeNotFound, Message: message}
}

func conflict(message string, fields ...fieldError) *apiError {
	return &apiError{Status: http.StatusConflict, Code: codeInvalidParameter, Message: message, Fields: fields}
}

// invalidFields is a 400 that lists every problem, named by the first.
func invalidFields(problems []fieldError) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: codeInvalidParameter, Message: problems[0].Path + ": " + problems[0].Message, Fields: problems}
}

// rateLimited is the 429 of a spent budget; wait is how long until the
// next request fits. The message is 8x8's: what + "Please try again in N
// second(s).".
func rateLimited(wait time.Duration, what string) *apiError {
	return &apiError{Status: http.StatusTooManyRequests, Code: codeRateLimited, RetryAfter: wait,
		Message: what + " Please try again in " + strconv.Itoa(retryAfterSeconds(wait)) + " second(s)."}
}

// retryAfterSeconds is wait in Retry-After's whole seconds, at least 1.
func retryAfterSeconds(wait time.Duration) int {
	return max(1, int(math.Ceil(wait.Seconds())))
}

// failed wraps a dependency's failure with what the handler could not do,
// in words for the client; answer decides the status from err.
func failed(what string, err error) error {
	return &manage.Error{What: what, Err: err}
}

// handle adapts a handler (or middleware) that returns an error to Gin:
// any error becomes the answer through writeError, so no handler writes an
// error body of its own.
func (g *Gateway) handle(h func(*gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			g.writeError(c, err)
		}
	}
}

// writeError answers err and stops the request. A server-side failure is
// logged with its cause and errorId, so support can find what a client
// quotes; the cause itself never reaches the client.
func (g *Gateway) writeError(c *gin.Context, err error) {
	status, body := answer(err)
	if ae, ok := errors.AsType[*apiError](err); ok && ae.RetryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(retryAfterSeconds(ae.RetryAfter)))
	}
	body.ErrorID = uuid.NewString()
	body.Timestamp = g.now().UTC().Format(manage.TimeLayout)
	if status >= 500 {
		g.log.Error("request failed", zap.String("errorId", body.ErrorID), zap.String("path", c.Request.URL.Path),
			zap.Int("status", status), zap.String("message", body.Message), zap.Error(err))
	}
	c.AbortWithStatusJSON(status, body)
}

// retryHint ends the message of a failure the client should retry;
// internalHint that of one no retry can get past (unreadable stored data,
// a bug), which names the errorId an operator finds in the log.
const (
	retryHint    = "; nothing was lost, retry the request."
	internalHint = "; retrying will not help: quote the errorId to the operator."
)

// answer is the one mapping from errors to answers: the status and 8x8's
// error body (without its errorId and timestamp).
//
//   - *apiError: as it says.
//   - a body over the limit (*http.MaxBytesError): 413.
//   - *definition.ValidationError: 400 with code 5001 and every problem;
//     definition.ErrMalformed: 400, the body is not JSON.
//   - *intake.Error: 413 for an event too large for a run
//     (intake.ErrTooLarge), 422 for one Temporal refused as invalid
//     (intake.ErrRejected), 503 when sending the event again may succeed,
//     500 otherwise.
//   - store.ErrNotFound: 404; store.ErrConflict: 409; store.ErrInvalid: 400,
//     each with the message and field problems of the manage.Error around
//     it.
//   - credentials.ErrNotConfigured: 503, no Vault; credentials.ErrConflict:
//     409, send it again.
//   - manage.ErrInternal: 500; anything else: 503, a dependency failed and
//     the request may be retried.
//
// The message of a 5xx says what could not be done, never the cause.
func answer(err error) (int, errorBody) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.Status, errorBody{Code: ae.Code, Message: ae.Message, Errors: ae.Fields}
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return http.StatusRequestEntityTooLarge, errorBody{Code: codeOutOfRange,
			Message: fmt.Sprintf("Request body is larger than %d bytes.", tooBig.Limit),
			Errors:  []fieldError{{Path: "body", Message: fmt.Sprintf("larger than %d bytes", tooBig.Limit)}}}
	}
	var verr *definition.ValidationError
	if errors.As(err, &verr) {
		body := errorBody{Code: codeInvalidDefinition, Message: verr.Error(), Errors: make([]fieldError, 0, len(verr.Errors))}
		for _, fe := range verr.Errors {
			body.Errors = append(body.Errors, fieldError{Path: fe.Path, Code: fe.Code, Message: fe.Message})
		}
		if verr.Has("definition.name", "is required") {
			body.Message = "Workflow name is required." // 8x8's documented message for this case
		}
		return http.StatusBadRequest, body
	}
	if errors.Is(err, definition.ErrMalformed) {
		return http.StatusBadRequest, errorBody{Code: codeInvalidParameter, Message: "Request body is not valid JSON: " + err.Error(),
			Errors: []fieldError{{Path: "body", Message: err.Error()}}}
	}
	var ie *intake.Error
	if errors.As(err, &ie) {
		switch {
		case errors.Is(ie, intake.ErrTooLarge):
			// Never "retry": the same event is as large next time.
			return http.StatusRequestEntityTooLarge, errorBody{Code: codeOutOfRange, Message: ie.What + ".",
				Errors: []fieldError{{Path: "body", Message: "too large for a run: send less, or a reference to where the data is"}}}
		case errors.Is(ie, intake.ErrRejected):
			return http.StatusUnprocessableEntity, errorBody{Code: codeInvalidParameter, Message: ie.What + ": " + ie.Err.Error(),
				Errors: []fieldError{{Path: "body", Message: "refused by Temporal"}}}
		}
		if !ie.Retry {
			return http.StatusInternalServerError, errorBody{Code: codeInternal, Message: ie.What + internalHint}
		}
		return http.StatusServiceUnavailable, errorBody{Code: codeInternal, Message: ie.What + retryHint}
	}

	what, cause := "Could not complete the request", err
	var fields []fieldError
	var me *manage.Error
	if errors.As(err, &me) {
		what, cause = me.What, me.Err
		for _, f := range me.Fields {
			fields = append(fields, fieldError{Path: f.Path, Code: f.Code, Message: f.Message})
		}
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, errorBody{Code: codeNotFound, Message: what, Errors: fields}
	case errors.Is(err, store.ErrConflict):
		return http.StatusConflict, errorBody{Code: codeInvalidParameter, Message: what, Errors: fields}
	case errors.Is(err, store.ErrInvalid):
		// The store says what it cannot accept in words meant for callers.
		if cause != store.ErrInvalid {
			what += ": " + cause.Error()
		}
		return http.StatusBadRequest, errorBody{Code: codeInvalidParameter, Message: what, Errors: fields}
	case errors.Is(err, credentials.ErrNotConfigured):
		return http.StatusServiceUnavailable, errorBody{Code: codeInternal,
			Message: what + ": secrets need Vault, and this gateway has none configured."}
	case errors.Is(err, credentials.ErrConflict):
		return http.StatusConflict, errorBody{Code: codeInvalidParameter,
			Message: what + ": they changed while this request wrote them; send it again.",
			Errors:  []fieldError{{Path: "fields", Code: "conflict", Message: "changed concurrently"}}}
	case errors.Is(err, manage.ErrInternal):
		return http.StatusInternalServerError, errorBody{Code: codeInternal, Message: what + internalHint}
	}
	return http.StatusServiceUnavailable, errorBody{Code: codeInternal, Message: what + retryHint}
}
