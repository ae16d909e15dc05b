package connectors

import (
	"errors"
	"strings"
	"testing"
)

func TestOAuth2ConfigClient(t *testing.T) {
	fromEnv := AuthSpec{Kind: AuthOAuth2ClientCredentials,
		OAuth2: &OAuth2Spec{TokenURL: "https://idp.example/token", ClientIDEnv: "CLIENT_ID", ClientSecretEnv: "CLIENT_SECRET"}}
	perConnection := AuthSpec{Kind: AuthOAuth2ClientCredentials, OAuth2: &OAuth2Spec{TokenURL: "https://idp.example/token"}}
	tests := []struct {
		name           string
		spec           AuthSpec
		fields         map[string]string
		env            EnvVars
		wantID, secret string
		wantErr        bool
	}{
		{"from the environment", fromEnv, map[string]string{FieldClientID: "conn-id"},
			EnvVars{"CLIENT_ID": "env-id", "CLIENT_SECRET": "env-secret"}, "env-id", "env-secret", false},
		{"environment without the id", fromEnv, nil, EnvVars{"CLIENT_SECRET": "env-secret"}, "", "", true},
		{"no environment at all", fromEnv, nil, nil, "", "", true},
		{"from the connection", perConnection, map[string]string{FieldClientID: "conn-id"}, EnvVars{"CLIENT_ID": "env-id"}, "conn-id", "", false},
		{"connection without an id", perConnection, nil, nil, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := OAuth2Config(tt.spec, tt.fields, nil, tt.env)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				if !errors.Is(err, ErrOAuth2Settings) || strings.Contains(err.Error(), "env-secret") {
					t.Errorf("error %v: want ErrOAuth2Settings naming no value", err)
				}
				return
			}
			if cfg.ClientID != tt.wantID || string(cfg.ClientSecret) != tt.secret {
				t.Errorf("client = %q / %d-byte secret, want %q / %d bytes", cfg.ClientID, len(cfg.ClientSecret), tt.wantID, len(tt.secret))
			}
		})
	}
}
