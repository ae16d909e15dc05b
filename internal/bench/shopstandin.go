package bench

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ShopStandIn is Shopify's Admin API for the polling scenario, reduced to
// what the shopify.new_orders trigger reads, for many shops at once: GET
// /admin/api/<version>/orders.json with since_id, limit (1-250, default
// 50) and page_info cursors in the Link header, each shop with its own
// orders and its own access token in X-Shopify-Access-Token, and
// Shopify's error bodies ({"errors": ...}). shopifytest's fake cannot
// stand in here: every shop there shares one set of orders, so N
// definitions would each see the orders of all N shops. It listens on
// 127.0.0.1; the system under test reaches it for any
// https://<shop>.myshopify.com through a redirecting transport
// (ServeConfig.ShopifyStandIn).
type ShopStandIn struct {
	URL string

	srv *http.Server

	mu     sync.Mutex
	shops  map[string]*standInShop // by host, bench-0001.myshopify.com
	nextID int64
	// added is when each order was added, for the latency of its run.
	added map[int64]time.Time
	// polls counts first pages of orders.json served (one per poll);
	// pages counts every page; refused counts 4xx answers.
	polls, pages, refused int64
	// pollTimes are when the polls came, to see how a tick spreads them.
	pollTimes []time.Time
}

type standInShop struct {
	token  string
	orders []standInOrder // ascending ids
	polls  int64          // first pages served
}

type standInOrder struct {
	id      int64
	created time.Time
}

// StartShopStandIn listens on a free loopback port.
func StartShopStandIn() (*ShopStandIn, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := newShopStandIn()
	s.URL = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func newShopStandIn() *ShopStandIn {
	return &ShopStandIn{shops: map[string]*standInShop{}, added: map[int64]time.Time{}, nextID: 1001}
}

// Close stops the stand-in.
func (s *ShopStandIn) Close() {
	if s.srv != nil {
		_ = s.srv.Close()
	}
}

// ShopHost is the myshopify.com host of shop i.
func ShopHost(i int) string { return fmt.Sprintf("bench-%05d.myshopify.com", i) }

// shopToken is shop i's Admin API access token: each shop has its own, so
// a poll through the wrong connection is refused and shows.
func shopToken(i int) string { return fmt.Sprintf("shpat_bench_%05d", i) }

// AddShop opens shop i.
func (s *ShopStandIn) AddShop(i int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shops[ShopHost(i)] == nil {
		s.shops[ShopHost(i)] = &standInShop{token: shopToken(i)}
	}
}

// AddOrder adds a new order to shop i and returns its id. Ids grow across
// all shops, as Shopify's do, so they are unique and since_id works.
func (s *ShopStandIn) AddOrder(i int) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	shop := s.shops[ShopHost(i)]
	if shop == nil {
		return 0, fmt.Errorf("no shop %d", i)
	}
	id := s.nextID
	s.nextID++
	now := time.Now()
	shop.orders = append(shop.orders, standInOrder{id: id, created: now})
	s.added[id] = now
	return id, nil
}

// AddedAt is when order id was added.
func (s *ShopStandIn) AddedAt(id int64) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.added[id]
	return t, ok
}

// standInStats are the stand-in's counters: polls served (first pages of
// orders.json, one per poll), pages served, and requests refused with a 4xx.
type standInStats struct {
	Polls   int64 `json:"polls"`
	Pages   int64 `json:"pages"`
	Refused int64 `json:"refused"`
}

func (s *ShopStandIn) stats() standInStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return standInStats{Polls: s.polls, Pages: s.pages, Refused: s.refused}
}

// pollSpread is the time between the first and the last poll after from.
func (s *ShopStandIn) pollSpread(from time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var first, last time.Time
	for _, t := range s.pollTimes {
		if t.Before(from) {
			continue
		}
		if first.IsZero() {
			first = t
		}
		last = t
	}
	return last.Sub(first)
}

// pollsByShop is how often each shop has been polled so far.
func (s *ShopStandIn) pollsByShop() map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int64, len(s.shops))
	for host, shop := range s.shops {
		out[host] = shop.polls
	}
	return out
}

// shopsPolledSince counts the shops polled again since before.
func (s *ShopStandIn) shopsPolledSince(before map[string]int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for host, shop := range s.shops {
		if shop.polls > before[host] {
			n++
		}
	}
	return n
}

var standInPath = regexp.MustCompile(`^/admin/api/(\d{4}-\d{2}|unstable)/orders\.json$`)

// maxStandInLimit is Shopify's largest page.
const maxStandInLimit = 250

// ServeHTTP answers GET /admin/api/<version>/orders.json for the shop
// named by the Host header.
func (s *ShopStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host := strings.ToLower(r.Host)
	if h, _, ok := strings.Cut(host, ":"); ok {
		host = h
	}
	m := standInPath.FindStringSubmatch(r.URL.Path)
	s.mu.Lock()
	defer s.mu.Unlock()
	shop := s.shops[host]
	if shop == nil || m == nil || r.Method != http.MethodGet {
		s.refuse(w, http.StatusNotFound, "Not Found")
		return
	}
	if r.Header.Get("X-Shopify-Access-Token") != shop.token {
		s.refuse(w, http.StatusUnauthorized, "[API] Invalid API key or access token (unrecognized login or wrong password)")
		return
	}
	q := r.URL.Query()
	limit := 50
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxStandInLimit {
			s.refuse(w, http.StatusBadRequest, map[string][]string{"limit": {"Invalid value."}})
			return
		}
		limit = n
	}
	var after int64 // the last id already listed
	first := true
	if pi := q.Get("page_info"); pi != "" {
		for k := range q {
			if k != "page_info" && k != "limit" && k != "fields" {
				s.refuse(w, http.StatusBadRequest, map[string][]string{"page_info": {"Invalid value: page_info may be sent only with limit and fields, not " + k + "."}})
				return
			}
		}
		n, err := decodePageInfo(pi)
		if err != nil {
			s.refuse(w, http.StatusBadRequest, map[string][]string{"page_info": {"Invalid value."}})
			return
		}
		after, first = n, false
	} else if v := q.Get("since_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			s.refuse(w, http.StatusBadRequest, map[string][]string{"since_id": {"Invalid value."}})
			return
		}
		after = n
	}
	if first {
		s.polls++
		s.pollTimes = append(s.pollTimes, time.Now())
		shop.polls++
	}
	s.pages++
	// Orders are kept in ascending id: the page is the next `limit` after
	// `after`.
	start, _ := slices.BinarySearchFunc(shop.orders, after+1, func(o standInOrder, id int64) int {
		return cmp.Compare(o.id, id)
	})
	end := min(start+limit, len(shop.orders))
	page := shop.orders[start:end]
	if end < len(shop.orders) {
		next := url.Values{"limit": {strconv.Itoa(limit)}, "page_info": {encodePageInfo(page[len(page)-1].id)}}
		w.Header().Set("Link", fmt.Sprintf(`<https://%s/admin/api/%s/orders.json?%s>; rel="next"`, host, m[1], next.Encode()))
	}
	out := make([]map[string]any, 0, len(page))
	for _, o := range page {
		out = append(out, standInOrderJSON(host, o))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(map[string]any{"orders": out})
}

// refuse answers Shopify's error body; s.mu is held.
func (s *ShopStandIn) refuse(w http.ResponseWriter, status int, errs any) {
	s.refused++
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": errs})
}

// standInOrderJSON is an order as Shopify encodes it, with the fields the
// trigger's payload schema names.
func standInOrderJSON(host string, o standInOrder) map[string]any {
	created := o.created.UTC().Truncate(time.Second).Format(time.RFC3339)
	number := 1000 + o.id%100000
	return map[string]any{
		"id": o.id, "admin_graphql_api_id": fmt.Sprintf("gid://shopify/Order/%d", o.id),
		"name": fmt.Sprintf("#%d", number), "order_number": number,
		"email": "buyer@" + strings.TrimSuffix(host, ".myshopify.com") + ".example.com", "phone": nil,
		"financial_status": "paid", "fulfillment_status": nil, "currency": "USD", "total_price": "19.90",
		"tags": "", "note": nil, "note_attributes": []any{},
		"line_items": []any{map[string]any{"id": o.id*10 + 1, "variant_id": nil, "product_id": nil, "title": "Bench item",
			"sku": "BENCH-1", "quantity": 1, "price": "19.90", "fulfillable_quantity": 1}},
		"cancelled_at": nil, "closed_at": nil, "created_at": created, "updated_at": created,
	}
}

// A page_info token carries the last id of the page before; Shopify's are
// opaque, and so is this one to the connector.
func encodePageInfo(after int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("after:" + strconv.FormatInt(after, 10)))
}

func decodePageInfo(pi string) (int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(pi)
	if err != nil {
		return 0, err
	}
	v, ok := strings.CutPrefix(string(raw), "after:")
	if !ok {
		return 0, fmt.Errorf("page_info %q", pi)
	}
	return strconv.ParseInt(v, 10, 64)
}

// shopRedirect sends the connector's calls to https://*.myshopify.com to
// the stand-in, keeping the shop in the Host header; every other host goes
// out through next unchanged.
type shopRedirect struct {
	standIn *url.URL
	next    http.RoundTripper
}

func (r shopRedirect) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.HasSuffix(strings.ToLower(req.URL.Hostname()), ".myshopify.com") {
		return r.next.RoundTrip(req)
	}
	out := req.Clone(req.Context())
	out.Host = req.URL.Host
	out.URL.Scheme, out.URL.Host = r.standIn.Scheme, r.standIn.Host
	return r.next.RoundTrip(out)
}
