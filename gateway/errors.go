package gateway

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/junction-run/junction/credentials"
	"github.com/junction-run/junction/store"
)

// 8x8's error codes (see the Automation API's error schema).
const (
	codeInvalidParameter  = 1000
	codeOutOfRange        = 1010
	codeNotFound          = 1300
	codeInternal          = 2000
	codeInvalidDefinition = 5001
)

// apiError is 8x8's error body. Errors, a Junction extension, lists every
// field problem by JSON path so a client can point at them.
type apiError struct {
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

// fail writes an error body. Server-side failures are logged with their
// errorId so support can find the cause a client quotes.
func (g *Gateway) fail(c *gin.Context, status, code int, message string, fields []fieldError) {
	body := apiError{
		Code:      code,
		Message:   message,
		ErrorID:   uuid.NewString(),
		Timestamp: g.now().UTC().Format("2006-01-02T15:04:05.00Z"),
		Errors:    fields,
	}
	if status >= 500 {
		g.log.Error("request failed", zap.String("errorId", body.ErrorID), zap.String("path", c.Request.URL.Path),
			zap.Int("status", status), zap.String("message", message))
	}
	c.AbortWithStatusJSON(status, body)
}

// failInternal answers 5xx for a dependency failure, logging the cause but
// keeping it out of the response.
func (g *Gateway) failInternal(c *gin.Context, status int, what string, err error) {
	id := uuid.NewString()
	g.log.Error(what, zap.String("errorId", id), zap.String("path", c.Request.URL.Path), zap.Error(err))
	c.AbortWithStatusJSON(status, apiError{
		Code:      codeInternal,
		Message:   what + "; nothing was lost, retry the request.",
		ErrorID:   id,
		Timestamp: g.now().UTC().Format("2006-01-02T15:04:05.00Z"),
	})
}

// failStore answers a store error: input the store refuses (store.ErrInvalid)
// is the client's 400, anything else a 503 to retry.
func (g *Gateway) failStore(c *gin.Context, what string, err error) {
	if errors.Is(err, store.ErrInvalid) {
		g.fail(c, http.StatusBadRequest, codeInvalidParameter, what+": "+err.Error(), nil)
		return
	}
	g.failInternal(c, http.StatusServiceUnavailable, what, err)
}

// readBody reads the whole (size-limited) body, answering 413 itself when it
// is too large.
func (g *Gateway) readBody(c *gin.Context) ([]byte, bool) {
	if c.Request.Body == nil {
		return nil, true
	}
	b, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			g.fail(c, http.StatusRequestEntityTooLarge, codeOutOfRange,
				fmt.Sprintf("Request body is larger than %d bytes.", tooBig.Limit),
				[]fieldError{{Path: "body", Message: fmt.Sprintf("larger than %d bytes", tooBig.Limit)}})
			return nil, false
		}
		g.fail(c, http.StatusBadRequest, codeInvalidParameter, "Could not read the request body.", nil)
		return nil, false
	}
	return b, true
}

var accountIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$`)

// checkAccount rejects account ids that could never exist before any
// handler uses them in a query or a workflow id.
func (g *Gateway) checkAccount(c *gin.Context) {
	if !accountIDPattern.MatchString(c.Param("accountId")) {
		g.fail(c, http.StatusBadRequest, codeInvalidParameter, "Invalid account id.",
			[]fieldError{{Path: "accountId", Message: "must be 1-128 letters, digits, '_', '.' or '-'"}})
		return
	}
	c.Next()
}

// failSecrets answers a failure of package credentials: no Vault
// configured is a 503 that says so, other writers that kept changing the
// same secrets a 409 to send again, anything else a 503 to retry.
func (g *Gateway) failSecrets(c *gin.Context, what string, err error) {
	switch {
	case errors.Is(err, credentials.ErrNotConfigured):
		g.fail(c, http.StatusServiceUnavailable, codeInternal, what+": secrets need Vault, and this gateway has none configured.", nil)
	case errors.Is(err, credentials.ErrConflict):
		g.fail(c, http.StatusConflict, codeInvalidParameter, what+": they changed while this request wrote them; send it again.",
			[]fieldError{{Path: "fields", Code: "conflict", Message: "changed concurrently"}})
	default:
		g.failInternal(c, http.StatusServiceUnavailable, what, err)
	}
}
