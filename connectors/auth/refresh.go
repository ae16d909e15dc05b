package auth

import (
	"context"

	"golang.org/x/oauth2"
)

// RefreshToken asks cfg's token endpoint (TokenURL, client, ClientAuth,
// HTTPClient) for a new token with refreshToken, exactly once: a provider
// that rotates refresh tokens must never see one twice, so the caller, a
// single writer per connection, decides about retries. The answer's
// refresh token is empty when the provider keeps the old one. Errors are
// *TokenError (ErrRejected for invalid_grant) or transport errors, without
// the client secret or either token.
func RefreshToken(ctx context.Context, cfg OAuth2Config, refreshToken Secret) (*oauth2.Token, error) {
	style, err := authStyle(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.TokenURL == "" {
		return nil, configError("oauth2: no token URL")
	}
	if refreshToken == "" {
		return nil, errNoRefreshToken
	}
	scrub := newScrubber(cfg.ClientSecret.Reveal(), refreshToken.Reveal())
	ctx = context.WithValue(ctx, oauth2.HTTPClient, tokenClient(cfg.HTTPClient, nil))
	tok, err := oauth2Config(cfg, style).TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken.Reveal()}).Token()
	if err != nil {
		return nil, tokenError(err, scrub)
	}
	if tok.RefreshToken == refreshToken.Reveal() {
		// x/oauth2 copies the old refresh token into an answer without one.
		tok.RefreshToken = ""
	}
	return tok, nil
}

// Scrub returns msg with every value, and the encoded forms it travels in
// (URL, JSON, base64), replaced by [redacted]: for messages that quote
// what a third party answered, which may echo a credential.
func Scrub(msg string, values ...string) string {
	return newScrubber(values...).clean(msg)
}
