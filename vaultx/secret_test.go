package vaultx_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/junction-run/junction/vaultx"
)

func TestSecretIsRedactedEverywhere(t *testing.T) {
	const value = "p4ssw0rd-value"
	s := vaultx.Secret(value)
	type wrapper struct {
		Password vaultx.Secret
		Data     map[string]vaultx.Secret
	}
	w := wrapper{Password: s, Data: map[string]vaultx.Secret{"k": s}}

	text, err := s.MarshalText()
	require.NoError(t, err)
	js, err := json.Marshal(w)
	require.NoError(t, err)
	require.JSONEq(t, `{"Password":"[redacted]","Data":{"k":"[redacted]"}}`, string(js))

	var slogBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&slogBuf, nil)).Info("x", "secret", s, "w", w)

	core, logs := observer.New(zap.DebugLevel)
	zap.New(core).Info("x", zap.Stringer("secret", s), zap.Any("any", s), zap.Any("w", w))
	zapText := fmt.Sprint(logs.All()[0].ContextMap())

	for _, out := range []string{
		s.String(), s.GoString(), string(text), string(js), slogBuf.String(), zapText,
		fmt.Sprint(s), fmt.Sprintf("%s|%v|%+v|%#v|%q|%x|%X|%d|%10s", s, s, s, s, s, s, s, s, s),
		fmt.Sprintf("%v|%+v|%#v", w, w, w), fmt.Sprintf("%v", []vaultx.Secret{s}),
		vaultx.Entry{Data: map[string]vaultx.Secret{"password": s}, Version: 3}.Data["password"].String(),
		fmt.Sprintf("%+v", vaultx.Entry{Data: map[string]vaultx.Secret{"password": s}, Version: 3}),
	} {
		require.NotContains(t, out, value)
		require.Contains(t, out, "[redacted]")
	}

	// Empty secrets print as empty, so "not set" is visible.
	require.Equal(t, "", vaultx.Secret("").String())
	require.Equal(t, `""`, fmt.Sprintf("%q", vaultx.Secret("")))
	// The value is reachable only through an explicit conversion.
	require.Equal(t, value, string(s))
}
