// Package payloadcodec encrypts every Temporal payload Junction writes
// (workflow inputs and results, activity arguments, signals, memos) with
// AES-256-GCM, so that webhook bodies and the personal data in them are
// ciphertext in Temporal's database and in anything that reads it.
//
// It is defence in depth: credentials never enter payloads in the first
// place. Search attributes and, unless the failure converter is told to
// encode them, failure messages are not payloads and stay in clear text.
//
// The pieces:
//
//   - Keyring: the current key, which encrypts, and older keys kept so that
//     payloads written before a rotation still decrypt. Every encrypted
//     payload records the id of its key in its metadata.
//   - Codec: a converter.PayloadCodec. DataConverter wraps it around the SDK's
//     default converter for client.Options.DataConverter; the gateway, every
//     worker and the replay tests must use the same one.
//   - Handler: the codec-server HTTP protocol, so the Temporal UI and CLI can
//     show decrypted payloads to authorized people.
//
// Wiring: client.Options.DataConverter = DataConverter(codec) and
// client.Options.FailureConverter = FailureConverter(that converter) for
// the gateway's and the workers' clients, and the same converter in
// worker.WorkflowReplayerOptions for replay tests. Failure messages are
// then encrypted as well: the history shows "Encoded failure" until the
// codec endpoint decodes it.
package payloadcodec

import (
	"bytes"
	"compress/zlib"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
)

// Metadata written on every encrypted payload. The encoding tells codecs
// and the Temporal UI that the data is not readable as is; the key id says
// which key decrypts it.
const (
	EncodingEncrypted   = "binary/encrypted"
	MetadataKeyID       = "encryption-key-id"
	MetadataCompression = "encryption-compression"
	compressionZlib     = "zlib"
)

// Errors Decode wraps, for callers that branch on why a payload could not be
// read.
var (
	// ErrUnknownKey: the payload names a key id the keyring does not hold,
	// typically an old key dropped from configuration too early.
	ErrUnknownKey = errors.New("payload encryption key not in the keyring")
	// ErrAuthentication: the ciphertext or its metadata was altered, or the
	// key under that id is not the one that encrypted it.
	ErrAuthentication = errors.New("encrypted payload failed authentication")
	// ErrMalformed: the payload says it is encrypted but cannot be.
	ErrMalformed = errors.New("malformed encrypted payload")
)

const nonceSize = 12 // GCM's standard nonce; random per payload

// Codec encrypts and decrypts payloads with a Keyring. It implements
// converter.PayloadCodec and is safe for concurrent use.
type Codec struct {
	keys     *Keyring
	compress bool
}

var _ converter.PayloadCodec = (*Codec)(nil)

// Option configures a Codec.
type Option func(*Codec)

// WithCompression compresses each payload with zlib before encrypting it,
// which pays off for large JSON bodies. It is off by default because the
// compressed length reveals something about the content when one payload
// mixes secret data with data an outsider chooses. Decode reads compressed
// payloads whether or not the option is set.
func WithCompression() Option { return func(c *Codec) { c.compress = true } }

// New returns a Codec that encrypts with the keyring's current key and
// decrypts with any of its keys.
func New(k *Keyring, opts ...Option) *Codec {
	if k == nil {
		panic("payloadcodec.New: nil keyring")
	}
	c := &Codec{keys: k}
	for _, o := range opts {
		o(c)
	}
	return c
}

// DataConverter is the converter for client.Options.DataConverter (and
// worker.WorkflowReplayerOptions.DataConverter): the SDK's default
// conversion to JSON and protobuf, then encryption.
func DataConverter(c *Codec) converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}

// FailureConverter is the converter for client.Options.FailureConverter
// when payloads are encrypted: the SDK's default, which also moves each
// failure's message and stack trace into an encoded payload
// (EncodeCommonAttributes), encrypted by dc like every other. A failure's
// message quotes third parties' answers and run data, so without it the
// history would keep them in clear beside encrypted inputs; with it the
// history shows "Encoded failure", and readers decode it with dc
// (converter.DecodeCommonFailureAttributes, the codec endpoint for the
// UI).
func FailureConverter(dc converter.DataConverter) converter.FailureConverter {
	return temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{DataConverter: dc, EncodeCommonAttributes: true})
}

// Encode encrypts each payload whole, metadata included, under the current
// key with a fresh random nonce. The result carries only the encrypted
// encoding, the key id and, when compressed, the compression.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	id := c.keys.CurrentID()
	aead, _ := c.keys.aead(id)
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("payloadcodec: marshalling payload %d: %w", i, err)
		}
		compression := ""
		if c.compress {
			if plain, err = deflate(plain); err != nil {
				return nil, fmt.Errorf("payloadcodec: compressing payload %d: %w", i, err)
			}
			compression = compressionZlib
		}
		data := make([]byte, nonceSize, nonceSize+len(plain)+aead.Overhead())
		if _, err := rand.Read(data); err != nil {
			return nil, fmt.Errorf("payloadcodec: reading a random nonce: %w", err)
		}
		data = aead.Seal(data, data[:nonceSize], plain, additionalData(id, compression))
		md := map[string][]byte{
			converter.MetadataEncoding: []byte(EncodingEncrypted),
			MetadataKeyID:              []byte(id),
		}
		if compression != "" {
			md[MetadataCompression] = []byte(compression)
		}
		out[i] = &commonpb.Payload{Metadata: md, Data: data}
	}
	return out, nil
}

// Decode decrypts the payloads Encode produced and passes every other
// payload through unchanged, so histories written before encryption was
// turned on still read.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != EncodingEncrypted {
			out[i] = p
			continue
		}
		d, err := c.decrypt(p)
		if err != nil {
			return nil, fmt.Errorf("payloadcodec: decoding payload %d: %w", i, err)
		}
		out[i] = d
	}
	return out, nil
}

func (c *Codec) decrypt(p *commonpb.Payload) (*commonpb.Payload, error) {
	id := string(p.Metadata[MetadataKeyID])
	if id == "" {
		return nil, fmt.Errorf("%w: no %s in its metadata", ErrMalformed, MetadataKeyID)
	}
	aead, ok := c.keys.aead(id)
	if !ok {
		if checkKeyID(id) != nil {
			// Not an id this package would ever write: do not echo it.
			return nil, fmt.Errorf("%w: the payload's key id is not well formed", ErrUnknownKey)
		}
		return nil, fmt.Errorf("%w: the payload was encrypted with key %s; this keyring holds %s",
			ErrUnknownKey, id, strings.Join(c.keys.ids, ", "))
	}
	compression := string(p.Metadata[MetadataCompression])
	if compression != "" && compression != compressionZlib {
		return nil, fmt.Errorf("%w: unknown compression", ErrMalformed)
	}
	if len(p.Data) < nonceSize+aead.Overhead() {
		return nil, fmt.Errorf("%w: %d bytes is too short", ErrMalformed, len(p.Data))
	}
	plain, err := aead.Open(nil, p.Data[:nonceSize], p.Data[nonceSize:], additionalData(id, compression))
	if err != nil {
		return nil, fmt.Errorf("%w (key %s)", ErrAuthentication, id)
	}
	if compression == compressionZlib {
		if plain, err = inflate(plain); err != nil {
			return nil, fmt.Errorf("%w: decompressing: %w", ErrMalformed, err)
		}
	}
	var out commonpb.Payload
	if err := proto.Unmarshal(plain, &out); err != nil {
		return nil, fmt.Errorf("%w: the decrypted bytes are not a payload", ErrMalformed)
	}
	return &out, nil
}

// additionalData binds the clear-text metadata to the ciphertext: moving a
// payload to another key id or flipping its compression fails
// authentication instead of decrypting to garbage.
func additionalData(keyID, compression string) []byte {
	return []byte("junction.payloadcodec.v1\x00" + keyID + "\x00" + compression)
}

func deflate(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func inflate(b []byte) ([]byte, error) {
	r, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(r)
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	return out, err
}
