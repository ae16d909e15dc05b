// Package logging builds Junction's zap loggers and adapts them to the
// Temporal SDK, so that Junction, the Temporal SDK and the embedded Temporal
// server all write through one logger with one format.
package logging

import (
	"fmt"
	"strings"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Format says how log lines are written.
type Format string

const (
	// FormatJSON is one JSON object per line, for production log pipelines.
	FormatJSON Format = "json"
	// FormatConsole is coloured, aligned text for a developer's terminal.
	FormatConsole Format = "console"
)

// New builds a logger writing to stderr at the given level ("debug", "info",
// "warn", "error").
func New(format Format, level string) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(strings.ToLower(level))
	if err != nil {
		return nil, fmt.Errorf("parsing log level %q: %w", level, err)
	}
	var cfg zap.Config
	switch format {
	case FormatJSON, "":
		cfg = zap.NewProductionConfig()
		cfg.EncoderConfig.TimeKey = "ts"
		cfg.EncoderConfig.EncodeTime = zapcore.ISO8601TimeEncoder
	case FormatConsole:
		cfg = zap.NewDevelopmentConfig()
		cfg.EncoderConfig.EncodeLevel = zapcore.CapitalColorLevelEncoder
		cfg.EncoderConfig.EncodeTime = zapcore.TimeEncoderOfLayout("15:04:05.000")
		// Stack traces on every warning drown a terminal; keep them for errors.
		cfg.Development = false
	default:
		return nil, fmt.Errorf("unknown log format %q (want json or console)", format)
	}
	cfg.Level = zap.NewAtomicLevelAt(lvl)
	cfg.Sampling = nil
	return cfg.Build()
}
