package runs

// CheckConnectionRequest names the connection to test and its app
// (CheckConnectionWorkflow and CheckConnectionActivity).
type CheckConnectionRequest struct {
	AccountID    string `json:"accountId"`
	ConnectionID string `json:"connectionId"`
	App          string `json:"app"`
	AppVersion   string `json:"appVersion,omitempty"`
}

// CheckConnectionResult is the answer of a connection test: OK, or what
// went wrong in words (the third party's, with every secret of the
// connection removed).
type CheckConnectionResult struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// OAuth2RefresherInput starts a connection's refresher
// (OAuth2RefresherWorkflow).
type OAuth2RefresherInput struct {
	AccountID    string `json:"accountId"`
	ConnectionID string `json:"connectionId"`
	// Latest is the token version the previous run (before continue-as-new)
	// last answered.
	Latest int `json:"latest,omitempty"`
}

// OAuth2RefreshRequest asks for a token newer than SeenVersion: the Vault
// version of the token path that the caller read and found expired or
// refused. Only versions travel, never a token.
type OAuth2RefreshRequest struct {
	AccountID    string `json:"accountId"`
	ConnectionID string `json:"connectionId"`
	SeenVersion  int    `json:"seenVersion"`
}

// OAuth2RefreshAnswer names the version of the token path that holds the
// current token; the caller reads it from Vault.
type OAuth2RefreshAnswer struct {
	Version int `json:"version"`
	// Refreshed says whether this request made the refresh.
	Refreshed bool `json:"refreshed"`
}

// OAuth2ExchangeRequest names an authorization the callback claimed
// (AuthorizeConnectionWorkflow): by its state's hash, so neither the code
// nor the PKCE verifier enters the history.
type OAuth2ExchangeRequest struct {
	StateHash string `json:"stateHash"`
}

// OAuth2ExchangeAnswer says which connection got tokens, at which version.
type OAuth2ExchangeAnswer struct {
	AccountID    string `json:"accountId"`
	ConnectionID string `json:"connectionId"`
	Version      int    `json:"version"`
}
