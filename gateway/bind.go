package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// Binding: reading what a request says into values, or the 400 (413) that
// says which part of it is wrong.

// readBody reads the whole (size-limited) body; a body over the limit is
// an *http.MaxBytesError, which answers 413.
func readBody(c *gin.Context) ([]byte, error) {
	if c.Request.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(c.Request.Body)
	if err != nil {
		if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
			return nil, err
		}
		return nil, badRequest("Could not read the request body.")
	}
	// For the audit log, which records the names of the fields a
	// management request set (audit.go).
	c.Set(requestBodyKey, b)
	return b, nil
}

// decodeStrict reads a JSON object body into v, refusing unknown fields and
// wrong types with the field named.
func decodeStrict(c *gin.Context, v any) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	return decodeStrictBytes(body, v)
}

// decodeStrictBytes is decodeStrict of a body already read.
func decodeStrictBytes(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		field := jsonFieldPath(reflect.TypeOf(v), typeErr.Field)
		return badRequest(fmt.Sprintf("%s must be %s, not %s.", field, typeErr.Type, typeErr.Value),
			fieldError{Path: field, Code: "invalid_type", Message: "must be " + typeErr.Type.String()})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return badRequest("Unknown field "+field+".", fieldError{Path: field, Code: "not_allowed", Message: "unknown field"})
	default:
		return badRequest("Request body is not valid JSON: "+err.Error(),
			fieldError{Path: "body", Code: "invalid_type", Message: err.Error()})
	}
}

// jsonFieldPath is the path a client wrote of a type error's field in a
// value of type t: encoding/json names the embedded structs it went
// through (manage.ActionRequest in the action request), which are no part
// of the JSON.
func jsonFieldPath(t reflect.Type, field string) string {
	var out []string
	for _, seg := range strings.Split(field, ".") {
		for t != nil && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t != nil && t.Kind() == reflect.Struct {
			if f, ok := t.FieldByName(seg); ok && f.Anonymous {
				t = f.Type
				continue
			}
		}
		out = append(out, seg)
		t = nil // past the embedded structs, segments are JSON names
	}
	return strings.Join(out, ".")
}

// jsonObject decodes a trigger body: any JSON object; an empty body is {}.
func jsonObject(body []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, badRequest("Request body is not valid JSON: "+err.Error(), fieldError{Path: "body", Message: err.Error()})
	}
	if dec.More() {
		return nil, badRequest("Request body holds more than one JSON value.", fieldError{Path: "body", Message: "more than one JSON value"})
	}
	obj, isObject := v.(map[string]any)
	if !isObject {
		return nil, badRequest("Request body must be a JSON object.", fieldError{Path: "body", Message: "must be a JSON object"})
	}
	return obj, nil
}

// readPage reads 8x8's limit (1-500, default 100) and offset (>= 0).
func readPage(c *gin.Context) (store.Page, error) {
	p := store.Page{Limit: 100}
	if v, present := c.GetQuery("limit"); present {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return p, outOfRange("limit must be an integer from 1 to 500.",
				fieldError{Path: "limit", Message: "must be an integer from 1 to 500"})
		}
		p.Limit = n
	}
	if v, present := c.GetQuery("offset"); present {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return p, outOfRange("offset must be an integer of 0 or more.",
				fieldError{Path: "offset", Message: "must be an integer of 0 or more"})
		}
		p.Offset = n
	}
	return p, nil
}

// timeRange reads ?since= and ?until= (RFC 3339) into since and until, in
// UTC; one that is absent is left zero.
func timeRange(c *gin.Context, since, until *time.Time) error {
	for _, bound := range []struct {
		name string
		to   *time.Time
	}{{"since", since}, {"until", until}} {
		if text := c.Query(bound.name); text != "" {
			t, err := time.Parse(time.RFC3339Nano, text)
			if err != nil {
				return badRequest(bound.name+" must be an RFC 3339 time.",
					fieldError{Path: bound.name, Code: "invalid_value", Message: "must be an RFC 3339 time"})
			}
			*bound.to = t.UTC()
		}
	}
	return nil
}

// versionParam reads an optional ?version= (1 or more); 0 means absent.
func versionParam(c *gin.Context) (int, error) {
	v, present := c.GetQuery("version")
	if !present {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, outOfRange("version must be an integer of 1 or more.",
			fieldError{Path: "version", Message: "must be an integer of 1 or more"})
	}
	return n, nil
}

// definitionID reads the path's definition id, a UUID.
// definitionPage reads what the lists of one definition take: its id,
// ?version= (0: the latest) and the page.
func definitionPage(c *gin.Context) (id string, version int, p store.Page, err error) {
	if id, err = definitionID(c); err != nil {
		return "", 0, p, err
	}
	if p, err = readPage(c); err != nil {
		return "", 0, p, err
	}
	version, err = versionParam(c)
	return id, version, p, err
}

func definitionID(c *gin.Context) (string, error) {
	id := c.Param("definitionId")
	if _, err := uuid.Parse(id); err != nil || len(id) != 36 {
		return "", badRequest("Invalid definition id.", fieldError{Path: "definitionId", Message: "must be a UUID"})
	}
	return id, nil
}

// runPath reads the path's definition id and run (workflow) id.
func runPath(c *gin.Context) (defID, workflowID string, err error) {
	if defID, err = definitionID(c); err != nil {
		return "", "", err
	}
	workflowID = c.Param("workflowId")
	if !runs.ValidEventID(workflowID) {
		return "", "", badRequest("Invalid workflow id.", fieldError{Path: "workflowId", Message: runs.EventIDRule})
	}
	return defID, workflowID, nil
}

var accountIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$`)

// checkAccount rejects account ids that could never exist before any
// handler uses them in a query or a workflow id.
func checkAccount(c *gin.Context) error {
	if !accountIDPattern.MatchString(c.Param("accountId")) {
		return badRequest("Invalid account id.", fieldError{Path: "accountId", Message: "must be 1-128 letters, digits, '_', '.' or '-'"})
	}
	return nil
}

// eventID is the caller's Idempotency-Key or, without one, a fresh
// time-ordered id (so every call is a new event).
func eventID(c *gin.Context) (string, error) {
	if key := c.GetHeader(IdempotencyKeyHeader); key != "" {
		if !runs.ValidEventID(key) {
			return "", badRequest("Invalid Idempotency-Key header.",
				fieldError{Path: "header." + IdempotencyKeyHeader, Message: runs.EventIDRule})
		}
		return key, nil
	}
	id, err := uuid.NewV7()
	if err != nil {
		return "", &apiError{Status: http.StatusInternalServerError, Code: codeInternal, Message: "Could not make an event id" + retryHint, Err: err}
	}
	return id.String(), nil
}
