package bench

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/catalog"
	"github.com/junction-run/junction/definition"
)

// withToken sets Shopify's access token header, as a connection's
// credentials do inside the poll activity.
type withToken struct {
	token string
	next  http.RoundTripper
}

func (t withToken) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(req.Context())
	out.Header.Set("X-Shopify-Access-Token", t.token)
	return t.next.RoundTrip(out)
}

// The stand-in must speak Shopify's wire format well enough for the real
// shopify.new_orders poller: since_id, limit, page_info in the Link header,
// one shop's orders only, each shop's own token.
func TestShopStandInServesTheNewOrdersPoller(t *testing.T) {
	standIn := newShopStandIn()
	srv := httptest.NewServer(standIn)
	defer srv.Close()
	base, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	poller, _, err := catalog.New().Poller("shopify", "", "new_orders")
	if err != nil {
		t.Fatal(err)
	}
	standIn.AddShop(1)
	standIn.AddShop(2)
	var want []string // shop 1's order ids; shop 2's are interleaved
	for i := range 600 {
		id, err := standIn.AddOrder(1)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, strconv.FormatInt(id, 10))
		if i%100 == 0 {
			if _, err := standIn.AddOrder(2); err != nil {
				t.Fatal(err)
			}
		}
	}
	poll := func(shop int, token, cursor string) (connectors.PollResult, error) {
		return poller.Poll(context.Background(), connectors.Call{
			Connection: connectors.Connection{Properties: map[string]string{"shop": ShopHost(shop)}},
			HTTP:       &http.Client{Transport: withToken{token, shopRedirect{standIn: base, next: http.DefaultTransport}}},
		}, cursor)
	}

	res, err := poll(1, shopToken(1), "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range res.Items {
		got = append(got, it.ID)
	}
	if !slices.Equal(got, want) || res.Cursor != want[len(want)-1] || res.More {
		t.Fatalf("first poll: %d items (first %v), cursor %s, more %v; want shop 1's %d orders in order, cursor %s",
			len(got), got[:min(3, len(got))], res.Cursor, res.More, len(want), want[len(want)-1])
	}
	if st := standIn.stats(); st.Polls != 1 || st.Pages != 3 {
		t.Errorf("first poll of 600 orders: %+v, want 1 poll of 3 pages of 250", st)
	}

	res, err = poll(1, shopToken(1), res.Cursor)
	if err != nil || len(res.Items) != 0 || res.Cursor != want[len(want)-1] {
		t.Errorf("poll with nothing new: %d items, cursor %s, %v", len(res.Items), res.Cursor, err)
	}
	newID, _ := standIn.AddOrder(1)
	res, err = poll(1, shopToken(1), res.Cursor)
	if err != nil || len(res.Items) != 1 || res.Items[0].ID != strconv.FormatInt(newID, 10) {
		t.Errorf("poll after one new order: %d items, want only %d (%v)", len(res.Items), newID, err)
	}
	before := standIn.pollsByShop()
	if _, err := poll(2, shopToken(2), ""); err != nil {
		t.Fatal(err)
	}
	if n := standIn.shopsPolledSince(before); n != 1 {
		t.Errorf("%d shops polled since, want 1", n)
	}

	if _, err := poll(1, shopToken(2), ""); err == nil {
		t.Error("shop 2's token polled shop 1")
	}
	if _, err := poll(3, shopToken(3), ""); err == nil {
		t.Error("a shop the stand-in does not have answered")
	}
	if st := standIn.stats(); st.Refused != 2 {
		t.Errorf("refused %d requests, want 2", st.Refused)
	}
}

func TestShopStandInRefusesWhatShopifyRefuses(t *testing.T) {
	standIn := newShopStandIn()
	standIn.AddShop(1)
	for _, tc := range []struct {
		name, method, path string
		want               int
	}{
		{"orders", http.MethodGet, "/admin/api/2025-01/orders.json?since_id=5&limit=250", http.StatusOK},
		{"limit above 250", http.MethodGet, "/admin/api/2025-01/orders.json?limit=251", http.StatusBadRequest},
		{"since_id not a number", http.MethodGet, "/admin/api/2025-01/orders.json?since_id=x", http.StatusBadRequest},
		{"page_info with since_id", http.MethodGet, "/admin/api/2025-01/orders.json?since_id=5&page_info=" + encodePageInfo(7), http.StatusBadRequest},
		{"page_info not ours", http.MethodGet, "/admin/api/2025-01/orders.json?page_info=bm9wZQ", http.StatusBadRequest},
		{"no version", http.MethodGet, "/admin/orders.json", http.StatusNotFound},
		{"POST", http.MethodPost, "/admin/api/2025-01/orders.json", http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, "https://"+ShopHost(1)+tc.path, nil)
			req.Header.Set("X-Shopify-Access-Token", shopToken(1))
			rec := httptest.NewRecorder()
			standIn.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Fatalf("%d %s, want %d", rec.Code, rec.Body, tc.want)
			}
			var body map[string]json.RawMessage
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("not JSON: %s", rec.Body)
			}
			if _, ok := body["errors"]; ok != (tc.want != http.StatusOK) {
				t.Errorf("body %s", rec.Body)
			}
		})
	}
}

func TestPollVerdict(t *testing.T) {
	for _, tc := range []struct {
		name     string
		expected []int64
		counts   map[int]int
		want     PollDelivery
	}{
		{"exactly once", []int64{1, 2, 3}, map[int]int{1: 1, 2: 1, 3: 1},
			PollDelivery{Expected: 3, Delivered: 3, ExactlyOnce: true}},
		{"missing", []int64{1, 2, 3}, map[int]int{1: 1, 3: 1},
			PollDelivery{Expected: 3, Delivered: 2, Missing: 1}},
		{"run twice", []int64{1, 2}, map[int]int{1: 2, 2: 1},
			PollDelivery{Expected: 2, Delivered: 1, Duplicated: 1}},
		{"a run of no order", []int64{1}, map[int]int{1: 1, 99: 1},
			PollDelivery{Expected: 1, Delivered: 1, Unexpected: 1}},
		{"nothing expected, nothing came", nil, map[int]int{}, PollDelivery{ExactlyOnce: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := pollVerdict(tc.expected, tc.counts); got != tc.want {
				t.Errorf("%+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestTickWithin(t *testing.T) {
	at := func(hms string) time.Time {
		v, err := time.Parse(time.TimeOnly, hms)
		if err != nil {
			t.Fatal(err)
		}
		return time.Date(2026, 11, 24, v.Hour(), v.Minute(), v.Second(), 0, time.UTC)
	}
	for _, tc := range []struct {
		from, to string
		want     bool
	}{
		{"11:01:00", "11:04:59", false},
		{"11:04:30", "11:05:10", true},
		{"11:05:00", "11:05:01", true}, // a tick at the very start counts
		{"11:05:01", "11:09:59", false},
	} {
		if got := tickWithin(at(tc.from), at(tc.to), 5*time.Minute); got != tc.want {
			t.Errorf("%s-%s: %v, want %v", tc.from, tc.to, got, tc.want)
		}
	}
}

// The definition must be valid, and its body must give the sink the
// order's id as a number.
func TestPollDefinitionPostsTheOrderID(t *testing.T) {
	doc := pollDefinition("conn-1", "http://127.0.0.1:9", 7)
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := definition.Parse(raw); err != nil {
		t.Fatal(err)
	}
	order, err := json.Marshal(standInOrderJSON(ShopHost(7), standInOrder{id: 5_000_000_123, created: time.Now()}))
	if err != nil {
		t.Fatal(err)
	}
	var payload any
	if err := json.Unmarshal(order, &payload); err != nil {
		t.Fatal(err)
	}
	step := doc["definition"].(map[string]any)["steps"].([]any)[0].(map[string]any)
	body := step["inputs"].(map[string]any)["body"]
	rendered, err := definition.Render(body, definition.Env{Data: map[string]any{"payload": payload}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(rendered)
	var got SinkBody
	if err := json.Unmarshal(b, &got); err != nil || got.ID != 5_000_000_123 || got.Country != "US" {
		t.Errorf("the sink reads %s as %+v (%v)", b, got, err)
	}
}
