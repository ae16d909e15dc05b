package auth_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"golang.org/x/oauth2"

	"github.com/junction-run/junction/connectors/auth"
	"github.com/junction-run/junction/connectors/auth/authtest"
)

func ExampleBearer() {
	api := httptest.NewServer(authtest.RequireBearer("xoxb-example", nil))
	defer api.Close()

	creds := auth.Bearer("xoxb-example")
	client := &http.Client{Transport: creds.Transport(nil), Timeout: 10 * time.Second}
	resp, err := client.Get(api.URL + "/api/chat.postMessage")
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode)
	fmt.Printf("%v\n", creds)
	// Output:
	// 200
	// auth.Credentials(bearer)
}

func ExampleOAuth2() {
	provider := &authtest.OAuth2Provider{ClientID: "client", ClientSecret: "secret", RotateRefreshTokens: true}
	srv := httptest.NewServer(provider)
	defer srv.Close()
	stored := provider.IssueToken(-time.Minute) // the token in the credential store has expired

	creds := auth.OAuth2(auth.OAuth2Config{
		Kind:         auth.KindOAuth2AuthorizationCode,
		ClientID:     "client",
		ClientSecret: "secret",
		TokenURL:     srv.URL + "/token",
		Token:        stored,
		// The credential store persists each new token before it is used.
		OnToken: func(ctx context.Context, tok *oauth2.Token) error {
			fmt.Println("store new token; rotated:", tok.RefreshToken != stored.RefreshToken)
			return nil
		},
	})
	client := &http.Client{Transport: creds.Transport(nil)}
	resp, err := client.Get(srv.URL + "/api/orders")
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode)
	// Output:
	// store new token; rotated: true
	// 200
}

func ExampleNewPKCE() {
	cfg := auth.OAuth2Config{
		Kind:        auth.KindOAuth2AuthorizationCode,
		ClientID:    "client",
		AuthURL:     "https://provider.example/authorize",
		TokenURL:    "https://provider.example/token",
		RedirectURL: "https://junction.example/oauth/callback",
		Scopes:      []string{"orders"},
	}
	// The start endpoint: keep the verifier with the state, redirect.
	verifier, challenge := auth.NewPKCE()
	_ = verifier // kept server-side until the callback calls auth.Exchange
	fmt.Println(len(auth.AuthCodeURL(cfg, "state", challenge)) > 0)
	// Output: true
}
