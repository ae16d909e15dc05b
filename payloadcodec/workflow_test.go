package payloadcodec_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/proto"

	"github.com/junction-run/junction/payloadcodec"
)

// Order is a webhook body with personal data in it.
type Order struct {
	Customer string
	Email    string
	Card     string
}

type Receipt struct {
	Summary string
}

func chargeCard(_ context.Context, o Order) (Receipt, error) {
	return Receipt{Summary: o.Customer + " <" + o.Email + "> paid with " + o.Card}, nil
}

func handleOrder(ctx workflow.Context, o Order) (Receipt, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	var r Receipt
	err := workflow.ExecuteActivity(ctx, chargeCard, o).Get(ctx, &r)
	return r, err
}

// wireRecorder keeps every payload as it crosses the data converter's
// outer edge, i.e. exactly the bytes a Temporal server would store in the
// history: what ToPayload(s) hands out and FromPayload(s) is handed.
type wireRecorder struct {
	converter.DataConverter
	mu   sync.Mutex
	wire []*commonpb.Payload
}

func (r *wireRecorder) record(ps ...*commonpb.Payload) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range ps {
		if p != nil {
			r.wire = append(r.wire, proto.Clone(p).(*commonpb.Payload))
		}
	}
}

func (r *wireRecorder) ToPayload(v any) (*commonpb.Payload, error) {
	p, err := r.DataConverter.ToPayload(v)
	r.record(p)
	return p, err
}

func (r *wireRecorder) ToPayloads(vs ...any) (*commonpb.Payloads, error) {
	ps, err := r.DataConverter.ToPayloads(vs...)
	r.record(ps.GetPayloads()...)
	return ps, err
}

func (r *wireRecorder) FromPayload(p *commonpb.Payload, ptr any) error {
	r.record(p)
	return r.DataConverter.FromPayload(p, ptr)
}

func (r *wireRecorder) FromPayloads(ps *commonpb.Payloads, ptrs ...any) error {
	r.record(ps.GetPayloads()...)
	return r.DataConverter.FromPayloads(ps, ptrs...)
}

// A workflow run under the codec's data converter: its input, the activity's
// argument and result, and the workflow's result are ciphertext wherever the
// SDK hands them to Temporal, while the workflow and activity code see plain
// values.
func TestWorkflowPayloadsAreEncrypted(t *testing.T) {
	kr, err := payloadcodec.ParseKeyring("k1:" + strings.Repeat("QUJD", 10) + "QUI=")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		codec *payloadcodec.Codec
	}{
		{"plain", payloadcodec.New(kr)},
		{"compressed", payloadcodec.New(kr, payloadcodec.WithCompression())},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s testsuite.WorkflowTestSuite
			env := s.NewTestWorkflowEnvironment()
			rec := &wireRecorder{DataConverter: payloadcodec.DataConverter(tc.codec)}
			env.SetDataConverter(rec)
			env.RegisterActivity(chargeCard)

			var seenByActivity Order
			env.SetOnActivityStartedListener(func(_ *activity.Info, _ context.Context, args converter.EncodedValues) {
				if err := args.Get(&seenByActivity); err != nil {
					t.Error(err)
				}
			})

			in := Order{Customer: "Ada Lovelace", Email: "ada@example.com", Card: "4111-1111-1111-1111"}
			env.ExecuteWorkflow(handleOrder, in)
			if err := env.GetWorkflowError(); err != nil {
				t.Fatal(err)
			}
			var out Receipt
			if err := env.GetWorkflowResult(&out); err != nil {
				t.Fatal(err)
			}
			if out.Summary != "Ada Lovelace <ada@example.com> paid with 4111-1111-1111-1111" || seenByActivity != in {
				t.Fatalf("plain values inside: result %q, activity saw %+v", out.Summary, seenByActivity)
			}

			rec.mu.Lock()
			defer rec.mu.Unlock()
			// Workflow input, activity input, activity result, workflow
			// result: each is written once and read at least once.
			if len(rec.wire) < 8 {
				t.Fatalf("only %d payloads crossed the converter; the test would prove nothing", len(rec.wire))
			}
			for i, p := range rec.wire {
				if enc := string(p.Metadata[converter.MetadataEncoding]); enc != payloadcodec.EncodingEncrypted {
					t.Errorf("payload %d has encoding %q", i, enc)
				}
				if id := string(p.Metadata[payloadcodec.MetadataKeyID]); id != "k1" {
					t.Errorf("payload %d has key id %q", i, id)
				}
				raw, _ := proto.Marshal(p)
				for _, clear := range []string{"Ada", "ada@example.com", "4111", "Customer", "json/plain"} {
					if bytes.Contains(raw, []byte(clear)) {
						t.Errorf("payload %d holds %q in clear", i, clear)
					}
				}
			}
		})
	}
}
