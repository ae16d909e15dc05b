package payloadcodec_test

import (
	"fmt"
	"net/http"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/junction-run/junction/payloadcodec"
)

// A demonstration key (32 zero bytes); real keys come from Vault or from
// configuration, generated with `openssl rand -base64 32`.
const demoKeys = "k2:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,k1:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="

func Example() {
	keys, err := payloadcodec.ParseKeyring(demoKeys)
	if err != nil {
		panic(err)
	}
	fmt.Println(keys) // ids only, never key material
	dc := payloadcodec.DataConverter(payloadcodec.New(keys))

	p, err := dc.ToPayload(map[string]string{"email": "ada@example.com"})
	if err != nil {
		panic(err)
	}
	fmt.Println(string(p.Metadata[converter.MetadataEncoding]), string(p.Metadata[payloadcodec.MetadataKeyID]))

	var back map[string]string
	if err := dc.FromPayload(p, &back); err != nil {
		panic(err)
	}
	fmt.Println(back["email"])

	// The same converter goes into every client.Options: the gateway's, the
	// workers' and the replayer's (worker.WorkflowReplayerOptions).
	_ = client.Options{DataConverter: dc}
	// Output:
	// payloadcodec.Keyring{current: k2, ids: [k2 k1]}
	// binary/encrypted k2
	// ada@example.com
}

func ExampleHandler() {
	keys, err := payloadcodec.ParseKeyring(demoKeys)
	if err != nil {
		panic(err)
	}
	codec := payloadcodec.Handler(payloadcodec.New(keys), payloadcodec.HandlerConfig{
		AllowedOrigins: []string{"http://127.0.0.1:8233"}, // the Temporal UI
		Namespaces:     []string{"default"},
		Authorize: func(r *http.Request) error {
			if r.Header.Get("Authorization") == "" { // stand-in for a real staff check
				return payloadcodec.ErrUnauthenticated
			}
			return nil
		},
	})
	mux := http.NewServeMux()
	// The UI is then configured with codec endpoint https://<host>/codec.
	mux.Handle("/codec/", codec)
	fmt.Println("serving /codec/encode and /codec/decode")
	// Output: serving /codec/encode and /codec/decode
}
