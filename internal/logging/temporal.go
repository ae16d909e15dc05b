package logging

import (
	"fmt"

	"go.temporal.io/sdk/log"
	"go.uber.org/zap"
)

// TemporalLogger adapts a zap logger to the Temporal SDK's log.Logger, so
// workflow, activity and worker logs land in the same stream as Junction's.
type TemporalLogger struct {
	zl *zap.Logger
}

var (
	_ log.Logger          = (*TemporalLogger)(nil)
	_ log.WithLogger      = (*TemporalLogger)(nil)
	_ log.WithSkipCallers = (*TemporalLogger)(nil)
)

// NewTemporalLogger returns an SDK logger writing through zl.
func NewTemporalLogger(zl *zap.Logger) *TemporalLogger {
	// One extra frame: the SDK calls us, we call zap.
	return &TemporalLogger{zl: zl.WithOptions(zap.AddCallerSkip(1))}
}

func (l *TemporalLogger) Debug(msg string, keyvals ...any) { l.zl.Debug(msg, fields(keyvals)...) }
func (l *TemporalLogger) Info(msg string, keyvals ...any)  { l.zl.Info(msg, fields(keyvals)...) }
func (l *TemporalLogger) Warn(msg string, keyvals ...any)  { l.zl.Warn(msg, fields(keyvals)...) }
func (l *TemporalLogger) Error(msg string, keyvals ...any) { l.zl.Error(msg, fields(keyvals)...) }

// With returns a logger that adds keyvals to every line.
func (l *TemporalLogger) With(keyvals ...any) log.Logger {
	return &TemporalLogger{zl: l.zl.With(fields(keyvals)...)}
}

// WithCallerSkip returns a logger that skips depth more frames when it
// reports the caller.
func (l *TemporalLogger) WithCallerSkip(depth int) log.Logger {
	return &TemporalLogger{zl: l.zl.WithOptions(zap.AddCallerSkip(depth))}
}

// fields turns the SDK's alternating key/value list into zap fields. A
// dangling key is kept rather than dropped, so nothing logged is lost.
func fields(keyvals []any) []zap.Field {
	out := make([]zap.Field, 0, (len(keyvals)+1)/2)
	for i := 0; i < len(keyvals); i += 2 {
		key, ok := keyvals[i].(string)
		if !ok {
			key = fmt.Sprint(keyvals[i])
		}
		if i+1 == len(keyvals) {
			out = append(out, zap.Any("extra", key))
			break
		}
		out = append(out, zap.Any(key, keyvals[i+1]))
	}
	return out
}
