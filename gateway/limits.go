package gateway

import (
	"container/list"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// RateLimit is a request budget: Burst requests at once, refilled at
// PerSecond. PerSecond +Inf is no limit ("off"); the zero RateLimit means
// the default of wherever it is used.
type RateLimit struct {
	PerSecond float64
	Burst     int
}

// Off is the RateLimit that limits nothing.
var Off = RateLimit{PerSecond: math.Inf(1)}

// IsOff says whether the limit lets everything through.
func (l RateLimit) IsOff() bool { return math.IsInf(l.PerSecond, 1) }

// String is the limit as ParseRateLimit reads it: "50/s,burst=100",
// "10/m,burst=10" or "off".
func (l RateLimit) String() string {
	if l.IsOff() {
		return "off"
	}
	// The smallest unit in which the rate is a whole number reads best.
	n, unit := l.PerSecond, "s"
	for _, u := range []struct {
		name string
		secs float64
	}{{"s", 1}, {"m", 60}, {"h", 3600}} {
		if per := l.PerSecond * u.secs; math.Abs(per-math.Round(per)) < 1e-9 {
			n, unit = math.Round(per), u.name
			break
		}
	}
	return strconv.FormatFloat(n, 'f', -1, 64) + "/" + unit + ",burst=" + strconv.Itoa(l.Burst)
}

// ParseRateLimit reads "N/s", "N/m" or "N/h" with an optional
// ",burst=B" (default: N, at least 1), or "off". It is the format of every
// rate limit flag.
func ParseRateLimit(s string) (RateLimit, error) {
	s = strings.TrimSpace(s)
	if s == "off" {
		return Off, nil
	}
	ratePart, burstPart, hasBurst := strings.Cut(s, ",")
	num, unit, ok := strings.Cut(strings.TrimSpace(ratePart), "/")
	if !ok {
		return RateLimit{}, fmt.Errorf("rate limit %q: want N/s, N/m or N/h, an optional ,burst=B, or off", s)
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || n <= 0 || math.IsInf(n, 0) || math.IsNaN(n) {
		return RateLimit{}, fmt.Errorf("rate limit %q: %q is not a positive number", s, num)
	}
	per := map[string]float64{"s": 1, "m": 60, "h": 3600}[strings.TrimSpace(unit)]
	if per == 0 {
		return RateLimit{}, fmt.Errorf("rate limit %q: unit %q is not s, m or h", s, unit)
	}
	l := RateLimit{PerSecond: n / per, Burst: max(1, int(math.Ceil(n)))}
	if hasBurst {
		v, ok := strings.CutPrefix(strings.TrimSpace(burstPart), "burst=")
		b, err := strconv.Atoi(v)
		if !ok || err != nil || b < 1 {
			return RateLimit{}, fmt.Errorf("rate limit %q: want burst=B with B a whole number of at least 1 after the comma", s)
		}
		l.Burst = b
	}
	return l, nil
}

// Limits are the gateway's request budgets. Each is a token bucket per
// key (an API key, a connection, a client address) kept in this gateway
// process: behind a load balancer every gateway grants its own. A zero
// field takes its value from DefaultLimits.
type Limits struct {
	// APIKey is every API key's budget on /api/v1/accounts/...
	APIKey RateLimit
	// Hooks is each connection's budget of /hooks deliveries, counted
	// before the connection is read. A third party that gets 429 retries
	// later (Shopify, Slack, Twilio, WooCommerce all do).
	Hooks RateLimit
	// OAuth2Callback is each client address's budget of OAuth2 callbacks
	// and authorization links, which need no API key.
	OAuth2Callback RateLimit
	// CodecSignIn is each client address's budget of codec sign-ins.
	CodecSignIn RateLimit
	// ConsoleSignIn is each client address's budget of console sign-ins.
	ConsoleSignIn RateLimit
	// AuthFailures is each client address's budget of failed API key
	// authentications (an invalid or revoked key). Once it is spent, every
	// request with a key from that address gets 429 until a failure is
	// refilled, even with a correct key, as Vault's lockout refuses a
	// locked user's correct password: a guess never learns it was right.
	AuthFailures RateLimit
	// Tracked bounds how many keys each limit remembers (default
	// DefaultTrackedKeys). When a table is full, the key seen least
	// recently is forgotten and starts again with a full budget.
	Tracked int
}

// DefaultTrackedKeys is how many keys each limit remembers by default:
// about 200 bytes each, so a few MiB at most for all of them.
const DefaultTrackedKeys = 10_000

// DefaultLimits are generous for people, scripts and busy stores, and
// still stop one runaway client, connection or guesser from starving the
// others.
var DefaultLimits = Limits{
	APIKey:         RateLimit{PerSecond: 50, Burst: 100},
	Hooks:          RateLimit{PerSecond: 100, Burst: 500},
	OAuth2Callback: RateLimit{PerSecond: 1, Burst: 20},
	CodecSignIn:    RateLimit{PerSecond: 1.0 / 6, Burst: 10},
	ConsoleSignIn:  RateLimit{PerSecond: 1.0 / 6, Burst: 10},
	AuthFailures:   RateLimit{PerSecond: 1.0 / 6, Burst: 10},
	Tracked:        DefaultTrackedKeys,
}

// withDefaults fills the zero fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	pick := func(v, d RateLimit) RateLimit {
		if v.PerSecond == 0 {
			return d
		}
		v.Burst = max(v.Burst, 1)
		return v
	}
	l.APIKey = pick(l.APIKey, DefaultLimits.APIKey)
	l.Hooks = pick(l.Hooks, DefaultLimits.Hooks)
	l.OAuth2Callback = pick(l.OAuth2Callback, DefaultLimits.OAuth2Callback)
	l.CodecSignIn = pick(l.CodecSignIn, DefaultLimits.CodecSignIn)
	l.ConsoleSignIn = pick(l.ConsoleSignIn, DefaultLimits.ConsoleSignIn)
	l.AuthFailures = pick(l.AuthFailures, DefaultLimits.AuthFailures)
	if l.Tracked <= 0 {
		l.Tracked = DefaultTrackedKeys
	}
	return l
}

// limiterTable keeps one token bucket per key, at most max of them: the
// keys come from requests, which an attacker chooses, so the table must
// not grow with them. When it is full, the least recently used bucket is
// dropped; a key that comes back starts with a full budget, which only
// ever errs on the generous side.
type limiterTable struct {
	limit RateLimit
	max   int
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*list.Element // of *bucket
	recent  list.List                // most recently used first
}

type bucket struct {
	key string
	lim *rate.Limiter
}

func newLimiterTable(limit RateLimit, max int, now func() time.Time) *limiterTable {
	t := &limiterTable{limit: limit, max: max, now: now, buckets: map[string]*list.Element{}}
	t.recent.Init()
	return t
}

// get returns key's bucket, making it (and forgetting the least recently
// used one if the table is full) when create is set; nil otherwise.
// t.mu is held.
func (t *limiterTable) get(key string, create bool) *rate.Limiter {
	if e, ok := t.buckets[key]; ok {
		t.recent.MoveToFront(e)
		return e.Value.(*bucket).lim
	}
	if !create {
		return nil
	}
	for len(t.buckets) >= t.max {
		oldest := t.recent.Back()
		t.recent.Remove(oldest)
		delete(t.buckets, oldest.Value.(*bucket).key)
	}
	lim := rate.NewLimiter(rate.Limit(t.limit.PerSecond), t.limit.Burst)
	t.buckets[key] = t.recent.PushFront(&bucket{key: key, lim: lim})
	return lim
}

// take spends one request of key's budget, or says how long until one is
// free (and spends nothing).
func (t *limiterTable) take(key string) time.Duration {
	if t.limit.IsOff() {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	r := t.get(key, true).ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d
	}
	return 0
}

// exhausted says how long until key has a request left, without spending
// one or remembering a key it has not seen: 0 when it has one now.
func (t *limiterTable) exhausted(key string) time.Duration {
	if t.limit.IsOff() {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	lim := t.get(key, false)
	if lim == nil {
		return 0
	}
	tokens := lim.TokensAt(t.now())
	if tokens >= 1 {
		return 0
	}
	return time.Duration((1 - tokens) / t.limit.PerSecond * float64(time.Second))
}

// spend takes one request of key's budget if one is left: what it counts
// (failures) has happened already, so there is nothing to refuse.
func (t *limiterTable) spend(key string) {
	if t.limit.IsOff() {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.get(key, true).AllowN(t.now(), 1)
}

// len is how many keys the table remembers.
func (t *limiterTable) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.buckets)
}

// addressKey is the limiter key of a client address: the address itself
// for IPv4, its /64 for IPv6, which is what one subscriber usually holds
// (a limit per IPv6 address would give each of them 2^64 budgets).
func addressKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// limiters are the gateway's limiter tables, one per limit.
type limiters struct {
	apiKey         *limiterTable // by API key id
	hooks          *limiterTable // by account and connection
	oauth2Callback *limiterTable // by client address
	codecSignIn    *limiterTable // by client address
	consoleSignIn  *limiterTable // by client address
	authFailures   *limiterTable // by client address
}

func newLimiters(l Limits, now func() time.Time) limiters {
	l = l.withDefaults()
	return limiters{
		apiKey:         newLimiterTable(l.APIKey, l.Tracked, now),
		hooks:          newLimiterTable(l.Hooks, l.Tracked, now),
		oauth2Callback: newLimiterTable(l.OAuth2Callback, l.Tracked, now),
		codecSignIn:    newLimiterTable(l.CodecSignIn, l.Tracked, now),
		consoleSignIn:  newLimiterTable(l.ConsoleSignIn, l.Tracked, now),
		authFailures:   newLimiterTable(l.AuthFailures, l.Tracked, now),
	}
}

// limitHooks spends one delivery of the path's connection. It runs before
// the connection is read, so a flood costs no database or Vault reads; a
// connection id that does not exist spends its own budget.
func (g *Gateway) limitHooks(c *gin.Context) error {
	if wait := g.limits.hooks.take(c.Param("accountId") + "/" + c.Param("connectionId")); wait > 0 {
		return rateLimited(wait, "Too many deliveries to this connection.")
	}
	return nil
}

// limitByAddress is middleware that spends one request of the client
// address's budget in table.
func (g *Gateway) limitByAddress(table *limiterTable, what string) func(*gin.Context) error {
	return func(c *gin.Context) error {
		if wait := table.take(addressKey(c.ClientIP())); wait > 0 {
			return rateLimited(wait, what)
		}
		return nil
	}
}
