package runs

// Error types of the application errors runs and activities fail with. Retry
// policies name them (NonRetryableErrorTypes), onError routes and support
// staff read them, and a connector's error kinds are the same strings.
const (
	// ErrTypeBadRequest marks a request that can never succeed as built: a
	// 4xx answer other than 408 and 429, or input refused before sending.
	ErrTypeBadRequest = "BadRequest"
	// ErrTypeNotFound marks an object or a connection that does not exist
	// (404, 410; a deleted, mistyped or another account's connection).
	ErrTypeNotFound = "NotFound"
	// ErrTypeUnprocessable marks a well-formed request the third party's
	// rules refused (422).
	ErrTypeUnprocessable = "Unprocessable"
	// ErrTypeUnauthorized marks 401 and 403 answers, and a token endpoint
	// that refused a refresh token or a code. Not retried.
	ErrTypeUnauthorized = "Unauthorized"
	// ErrTypeRateLimited marks 429 answers: retried after Retry-After.
	ErrTypeRateLimited = "RateLimited"
	// ErrTypeUnavailable marks 5xx answers and network failures: retried.
	ErrTypeUnavailable = "Unavailable"
	// ErrTypeTimeout marks 408 answers and client-side timeouts: retried.
	ErrTypeTimeout = "Timeout"
	// ErrTypeDestinationRefused marks a call the worker's egress address
	// guard refused before connecting: its host is, or resolves to, an
	// address that is not public (loopback, private, link-local and the
	// cloud metadata service, …) and the worker's --egress-allow does not
	// list it. Not retried: nothing was sent, and nothing changes until
	// the URL or the worker's allow list does.
	ErrTypeDestinationRefused = "DestinationRefused"
	// ErrTypeResponseTooLarge marks a response body over the size limit.
	ErrTypeResponseTooLarge = "ResponseTooLarge"
	// ErrTypeNotConfigured marks a worker missing what a step needs (no 8x8
	// API key). Not retried: the worker needs configuring first.
	ErrTypeNotConfigured = "NotConfigured"
	// ErrTypeUnexpectedResponse marks a 2xx answer whose body is not what
	// the API documents. Not retried: the third party may have acted, and
	// a retry could act twice.
	ErrTypeUnexpectedResponse = "UnexpectedResponse"
	// ErrTypeInvalidConnection marks a connection whose stored settings
	// cannot make credentials (secrets missing from Vault, a required one
	// empty, a setting out of range).
	ErrTypeInvalidConnection = "InvalidConnection"
	// ErrTypeUnsupported marks an auth kind a worker cannot build
	// credentials for yet.
	ErrTypeUnsupported = "Unsupported"
	// ErrTypeInvalidEnv marks environment variables that cannot be read as
	// stored: a secret one the store says is set but Vault does not hold.
	ErrTypeInvalidEnv = "InvalidEnvironment"

	// ErrTypeExpression marks a {{ }} expression that failed to evaluate.
	ErrTypeExpression = "ExpressionError"
	// ErrTypeInvalidStep marks a step that cannot run as written.
	ErrTypeInvalidStep = "InvalidStep"
	// ErrTypeStateTooLarge marks a step whose result, or a run whose
	// state (data, step results and log), grew past what a run may keep:
	// Temporal could not store it. Not retried.
	ErrTypeStateTooLarge = "StateTooLarge"
	// ErrTypeStepLimit marks a run that executed too many steps (a jump
	// loop); no onError route may swallow it.
	ErrTypeStepLimit = "StepLimitExceeded"
	// ErrTypeStepFailed wraps the failure of a step's activity once its
	// retries are spent.
	ErrTypeStepFailed = "StepFailed"
	// ErrTypeNotSupported marks a step type Junction does not run yet.
	ErrTypeNotSupported = "NotSupported"
)
