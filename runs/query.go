package runs

import (
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
)

// Query builds a visibility query (Temporal's SQL-like list filter) from
// clauses joined with AND. Every value is quoted here, never pasted, so an
// id with a quote or a backslash in it stays a value and cannot change the
// query. The zero value matches every execution.
type Query struct {
	clauses []string
}

// Runs starts a query over the runs of an account.
func Runs(accountID string) *Query {
	return new(Query).Is(AccountIDKey, accountID)
}

// Is adds key = value.
func (q *Query) Is(key temporal.SearchAttributeKeyKeyword, value string) *Query {
	return q.add(key.GetName() + " = " + quote(value))
}

// IsInt adds key = value for an integer attribute.
func (q *Query) IsInt(key temporal.SearchAttributeKeyInt64, value int64) *Query {
	return q.add(key.GetName() + " = " + strconv.FormatInt(value, 10))
}

// In adds key IN (values...). No values matches nothing.
func (q *Query) In(key temporal.SearchAttributeKeyKeyword, values ...string) *Query {
	if len(values) == 0 {
		return q.add("1 = 0")
	}
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = quote(v)
	}
	return q.add(key.GetName() + " IN (" + strings.Join(quoted, ", ") + ")")
}

// Set adds key IS NOT NULL.
func (q *Query) Set(key temporal.SearchAttributeKeyKeyword) *Query {
	return q.add(key.GetName() + " IS NOT NULL")
}

// Unset adds key IS NULL.
func (q *Query) Unset(key temporal.SearchAttributeKeyKeyword) *Query {
	return q.add(key.GetName() + " IS NULL")
}

// Status adds ExecutionStatus = status, or IN (...) for several: Temporal's
// names, such as "Running" or "Completed".
func (q *Query) Status(statuses ...string) *Query {
	if len(statuses) == 1 {
		return q.add("ExecutionStatus = " + quote(statuses[0]))
	}
	quoted := make([]string, len(statuses))
	for i, s := range statuses {
		quoted[i] = quote(s)
	}
	return q.add("ExecutionStatus IN (" + strings.Join(quoted, ", ") + ")")
}

// StartedFrom adds StartTime >= t; StartedBefore StartTime < t; StartedBy
// StartTime <= t.
func (q *Query) StartedFrom(t time.Time) *Query   { return q.startTime(">=", t) }
func (q *Query) StartedBefore(t time.Time) *Query { return q.startTime("<", t) }
func (q *Query) StartedBy(t time.Time) *Query     { return q.startTime("<=", t) }

func (q *Query) startTime(op string, t time.Time) *Query {
	return q.add("StartTime " + op + " " + quote(t.UTC().Format(time.RFC3339Nano)))
}

// String is the query Temporal reads.
func (q *Query) String() string { return strings.Join(q.clauses, " AND ") }

func (q *Query) add(clause string) *Query {
	q.clauses = append(q.clauses, clause)
	return q
}

// quote makes s a string literal of Temporal's query language, which
// escapes with a backslash inside single quotes.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
