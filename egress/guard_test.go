package egress_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/junction-run/junction/egress"
)

// loopback lets the egress tests reach their httptest servers.
var loopback = mustAllow(egress.AllowLoopback)

func mustAllow(list string) egress.Allow {
	a, err := egress.ParseAllow(list)
	if err != nil {
		panic(err)
	}
	return a
}

func TestClassify(t *testing.T) {
	tests := []struct {
		addr string
		want egress.AddressClass
	}{
		// Public.
		{"8.8.8.8", egress.ClassPublic},
		{"1.1.1.1", egress.ClassPublic},
		{"93.184.216.34", egress.ClassPublic},
		{"172.15.255.255", egress.ClassPublic},
		{"172.32.0.0", egress.ClassPublic},
		{"100.63.255.255", egress.ClassPublic},
		{"100.128.0.0", egress.ClassPublic},
		{"169.253.255.255", egress.ClassPublic},
		{"198.17.255.255", egress.ClassPublic},
		{"198.20.0.0", egress.ClassPublic},
		{"223.255.255.255", egress.ClassPublic},
		{"2606:4700::1111", egress.ClassPublic},
		{"2001:4860:4860::8888", egress.ClassPublic},
		{"::ffff:8.8.8.8", egress.ClassPublic},
		{"64:ff9b::808:808", egress.ClassPublic},
		{"2002:808:808::1", egress.ClassPublic},

		// Loopback, in every spelling an address parser takes.
		{"127.0.0.1", egress.ClassLoopback},
		{"127.255.255.254", egress.ClassLoopback},
		{"::1", egress.ClassLoopback},
		{"0:0:0:0:0:0:0:1", egress.ClassLoopback},
		{"::ffff:127.0.0.1", egress.ClassLoopback},
		{"::ffff:7f00:1", egress.ClassLoopback},
		{"::127.0.0.1", egress.ClassLoopback},
		{"::7f00:1", egress.ClassLoopback},
		{"64:ff9b::127.0.0.1", egress.ClassLoopback},
		{"64:ff9b:1::7f00:1", egress.ClassLoopback},
		{"2002:7f00:1::", egress.ClassLoopback},

		// This network.
		{"0.0.0.0", egress.ClassUnspecified},
		{"0.1.2.3", egress.ClassUnspecified},
		{"::", egress.ClassUnspecified},
		{"::ffff:0.0.0.0", egress.ClassUnspecified},
		{"::2", egress.ClassUnspecified}, // IPv4-compatible 0.0.0.2

		// RFC 1918.
		{"10.0.0.1", egress.ClassPrivate},
		{"10.255.255.255", egress.ClassPrivate},
		{"172.16.0.1", egress.ClassPrivate},
		{"172.31.255.255", egress.ClassPrivate},
		{"192.168.1.1", egress.ClassPrivate},
		{"::ffff:10.0.0.1", egress.ClassPrivate},
		{"::ffff:a00:1", egress.ClassPrivate},
		{"64:ff9b::192.168.0.1", egress.ClassPrivate},
		{"2002:c0a8:1::1", egress.ClassPrivate},
		{"fec0::1", egress.ClassPrivate},

		// Link-local and the cloud metadata service.
		{"169.254.169.254", egress.ClassLinkLocal},
		{"169.254.0.1", egress.ClassLinkLocal},
		{"::ffff:169.254.169.254", egress.ClassLinkLocal},
		{"64:ff9b::a9fe:a9fe", egress.ClassLinkLocal},
		{"::169.254.169.254", egress.ClassLinkLocal},
		{"2002:a9fe:a9fe::", egress.ClassLinkLocal},
		{"fe80::1", egress.ClassLinkLocal},
		{"fe80::1%eth0", egress.ClassLinkLocal},
		{"febf:ffff::1", egress.ClassLinkLocal},

		{"100.64.0.1", egress.ClassShared},
		{"100.127.255.255", egress.ClassShared},
		{"fc00::1", egress.ClassUniqueLocal},
		{"fd12:3456:789a::1", egress.ClassUniqueLocal},
		{"224.0.0.1", egress.ClassMulticast},
		{"239.255.255.250", egress.ClassMulticast},
		{"ff02::1", egress.ClassMulticast},
		{"::ffff:224.0.0.251", egress.ClassMulticast},
		{"255.255.255.255", egress.ClassBroadcast},
		{"240.0.0.1", egress.ClassReserved},
		{"255.255.255.254", egress.ClassReserved},
		{"192.0.0.170", egress.ClassReserved},
		{"100::1", egress.ClassReserved},
		{"1::1", egress.ClassReserved},
		{"2001::1", egress.ClassReserved},               // Teredo
		{"64:ff9b:1:ab::8.8.8.8", egress.ClassReserved}, // local-use NAT64 not in its /96 form
		{"198.18.0.1", egress.ClassBenchmarking},
		{"198.19.255.255", egress.ClassBenchmarking},
		{"2001:2::1", egress.ClassBenchmarking},
		{"192.0.2.1", egress.ClassDocumentation},
		{"198.51.100.7", egress.ClassDocumentation},
		{"203.0.113.200", egress.ClassDocumentation},
		{"2001:db8::1", egress.ClassDocumentation},
		{"3fff::1", egress.ClassDocumentation},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			ip := netip.MustParseAddr(tt.addr)
			if got := egress.Classify(ip); got != tt.want {
				t.Errorf("Classify(%s) = %s, want %s", tt.addr, got, tt.want)
			}
		})
	}
	if got := egress.Classify(netip.Addr{}); got != egress.ClassInvalid {
		t.Errorf("Classify(zero) = %s", got)
	}
}

func TestParseAllow(t *testing.T) {
	tests := []struct {
		list, want string
	}{
		{"", "none"},
		{"none", "none"},
		{" NONE ", "none"},
		{egress.AllowLoopback, "127.0.0.0/8,::1"},
		{"127.0.0.0/8, ::1, API.Internal., [fd00::1]", "127.0.0.0/8,::1,fd00::1,api.internal"},
		{"10.1.2.3/8,192.168.0.7,", "10.0.0.0/8,192.168.0.7"},
		{"localhost,fake_host.test", "localhost,fake_host.test"},
	}
	for _, tt := range tests {
		a, err := egress.ParseAllow(tt.list)
		if err != nil || a.String() != tt.want {
			t.Errorf("ParseAllow(%q) = %q, %v; want %q", tt.list, a, err, tt.want)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "none,10.0.0.0/8", "*.internal", "fe80::1%eth0", "127.1", "2130706433", "api..internal", "-api.internal", "http://api.internal", "api.internal:443"} {
		_, err := egress.ParseAllow("127.0.0.0/8," + bad)
		if err == nil {
			t.Errorf("ParseAllow(%q) took it", bad)
			continue
		}
		if !strings.Contains(err.Error(), bad) && !strings.Contains(err.Error(), "none") {
			t.Errorf("ParseAllow(%q): the error does not name the entry: %v", bad, err)
		}
	}
}

// fakeDNS answers the Go resolver from a table, over an in-memory
// connection: no query leaves the process.
type fakeDNS struct {
	records map[string][]netip.Addr
	mu      sync.Mutex
	asked   []string
}

func (f *fakeDNS) resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		client, server := net.Pipe()
		go f.serve(server)
		return client, nil
	}}
}

func (f *fakeDNS) queried() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.asked...)
}

// serve answers DNS queries framed as over TCP (the resolver frames them
// so on a connection that is not a net.PacketConn).
func (f *fakeDNS) serve(c net.Conn) {
	defer c.Close()
	for {
		var n [2]byte
		if _, err := io.ReadFull(c, n[:]); err != nil {
			return
		}
		q := make([]byte, binary.BigEndian.Uint16(n[:]))
		if _, err := io.ReadFull(c, q); err != nil || len(q) < 12 {
			return
		}
		// The question: labels up to a zero byte, then type and class.
		end, name := 12, []string{}
		for end < len(q) && q[end] != 0 {
			l := int(q[end])
			name = append(name, string(q[end+1:end+1+l]))
			end += 1 + l
		}
		end += 5
		host, qtype := strings.ToLower(strings.Join(name, ".")), binary.BigEndian.Uint16(q[end-4:])
		f.mu.Lock()
		f.asked = append(f.asked, host)
		f.mu.Unlock()
		addrs, known := f.records[host]
		var answers [][]byte
		for _, a := range addrs {
			if (qtype == 1 && a.Is4()) || (qtype == 28 && a.Is6()) {
				answers = append(answers, a.AsSlice())
			}
		}
		flags := uint16(0x8180) // a response, recursion desired and available
		if !known {
			flags |= 3 // NXDOMAIN
		}
		resp := binary.BigEndian.AppendUint16(nil, binary.BigEndian.Uint16(q[:2]))
		resp = binary.BigEndian.AppendUint16(resp, flags)
		for _, count := range []int{1, len(answers), 0, 0} {
			resp = binary.BigEndian.AppendUint16(resp, uint16(count))
		}
		resp = append(resp, q[12:end]...)
		for _, rdata := range answers {
			resp = append(resp, 0xc0, 12) // the question's name
			resp = binary.BigEndian.AppendUint16(resp, qtype)
			resp = binary.BigEndian.AppendUint16(resp, 1)
			resp = binary.BigEndian.AppendUint32(resp, 60)
			resp = binary.BigEndian.AppendUint16(resp, uint16(len(rdata)))
			resp = append(resp, rdata...)
		}
		if _, err := c.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(resp))), resp...)); err != nil {
			return
		}
	}
}

// guarded is a Client with the guard on, a fake resolver and, behind the
// guard, a DialControl that lets only loopback connect: were the guard
// ever to let another address through, the test fails and the connection
// is refused all the same, before connect(2).
func guarded(t *testing.T, allow string, dns *fakeDNS) (*egress.Client, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var passed []string
	c := egress.NewClient(egress.Options{
		Allow:    mustAllow(allow),
		Resolver: dns.resolver(),
		DialControl: func(_ context.Context, _, address string, _ syscall.RawConn) error {
			mu.Lock()
			passed = append(passed, address)
			mu.Unlock()
			if ap, err := netip.ParseAddrPort(address); err != nil || !ap.Addr().Unmap().IsLoopback() {
				t.Errorf("the guard let %s through", address)
				return errors.New("test safety net: not loopback")
			}
			return nil
		},
	})
	return c, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), passed...)
	}
}

func loopbackDNS() *fakeDNS {
	lo, metadata := netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("169.254.169.254")
	return &fakeDNS{records: map[string][]netip.Addr{
		"rebind.test":   {lo},
		"allowed.test":  {lo},
		"metadata.test": {metadata},
		"private.test":  {netip.MustParseAddr("10.0.0.7")},
		// What a resolver that follows inet_aton makes of these names.
		"127.1": {lo}, "2130706433": {lo}, "0x7f.1": {lo}, "017700000001": {lo},
	}}
}

// wantRefused checks that err is the guard's refusal, of class for host,
// and says nothing of the URL beyond scheme and host.
func wantRefused(t *testing.T, err error, class egress.AddressClass, host string) {
	t.Helper()
	var refused *egress.RefusedError
	if !errors.As(err, &refused) || !errors.Is(err, egress.ErrRefused) {
		t.Fatalf("err = %v, want a *RefusedError", err)
	}
	if refused.Class != class || refused.Host != host {
		t.Errorf("refused %s as %s, want %s as %s", refused.Host, refused.Class, host, class)
	}
	if errors.Is(err, egress.ErrNetwork) {
		t.Errorf("a refusal is not a network failure: %v", err)
	}
	for _, secret := range []string{"/private/path", "token=", "user:pw", "127.0.0.1", "169.254"} {
		if strings.Contains(err.Error(), secret) && !strings.Contains(host, secret) {
			t.Errorf("the error shows %q: %v", secret, err)
		}
	}
	if !strings.Contains(err.Error(), class.String()) || !strings.Contains(err.Error(), host) {
		t.Errorf("the error does not name the class and the host: %v", err)
	}
}

// (a) Loopback is refused by the guard with no allow list, and reached
// with one.
func TestGuardLoopback(t *testing.T) {
	srv := newServer(t, nil)
	target := strings.Replace(srv.URL, "http://", "http://user:pw@", 1) + "/private/path?token=secret"
	_, err := egress.NewClient(egress.Options{}).Do(t.Context(), nil, egress.Request{URL: target})
	wantRefused(t, err, egress.ClassLoopback, "127.0.0.1")
	if !strings.Contains(err.Error(), "GET http://127.0.0.1:") {
		t.Errorf("the error does not name the request: %v", err)
	}
	if n := len(srv.requests()); n != 0 {
		t.Fatalf("the server saw %d requests", n)
	}
	// Every client made from the Client dials through the guard.
	if _, err := egress.NewClient(egress.Options{}).HTTPClient().Get(srv.URL); !errors.Is(err, egress.ErrRefused) {
		t.Errorf("HTTPClient: err = %v", err)
	}
	for _, allow := range []string{"127.0.0.0/8", "127.0.0.1", egress.AllowLoopback} {
		resp, err := egress.NewClient(egress.Options{Allow: mustAllow(allow)}).Do(t.Context(), nil, egress.Request{URL: srv.URL})
		if err != nil || resp.StatusCode != 200 {
			t.Errorf("allow %s: %v %v", allow, resp, err)
		}
	}
	// Default lets tests reach loopback.
	if _, err := egress.Default().Do(t.Context(), nil, egress.Request{URL: srv.URL}); err != nil {
		t.Errorf("Default: %v", err)
	}
}

// (b) Names are judged by the addresses they resolve to, at dial time.
func TestGuardResolvedAddresses(t *testing.T) {
	srv := newServer(t, nil)
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	tests := []struct {
		name    string
		allow   string
		url     string
		class   egress.AddressClass
		host    string
		ok      bool
		queries bool // whether the resolver is asked
	}{
		{"a name that resolves to loopback", "", "http://rebind.test" + port + "/private/path?token=x", egress.ClassLoopback, "rebind.test", false, true},
		{"the metadata service", "", "http://metadata.test/private/path?token=x", egress.ClassLinkLocal, "metadata.test", false, true},
		{"the metadata service, loopback allowed", egress.AllowLoopback, "http://metadata.test/latest/meta-data/", egress.ClassLinkLocal, "metadata.test", false, true},
		{"private", "", "http://private.test/", egress.ClassPrivate, "private.test", false, true},
		{"an allowed CIDR holds the resolved address", "127.0.0.0/8", "http://rebind.test" + port + "/", 0, "", true, true},
		{"an allowed name", "allowed.test", "http://allowed.test" + port + "/", 0, "", true, true},
		{"an allowed name does not allow its address", "allowed.test", "http://rebind.test" + port + "/", egress.ClassLoopback, "rebind.test", false, true},
		{"an allowed name in capitals, fully qualified", "allowed.test", "http://ALLOWED.test." + port + "/", 0, "", true, true},
		// Names a resolver may read as loopback: refused before it is asked.
		{"127.1", "", "http://127.1" + port + "/", egress.ClassLoopback, "127.1", false, false},
		{"2130706433", "", "http://2130706433" + port + "/", egress.ClassLoopback, "2130706433", false, false},
		{"0x7f.1", "", "http://0x7f.1" + port + "/", egress.ClassLoopback, "0x7f.1", false, false},
		{"017700000001", "", "http://017700000001" + port + "/", egress.ClassLoopback, "017700000001", false, false},
		{"loose spelling, loopback allowed", egress.AllowLoopback, "http://0x7f.1" + port + "/", 0, "", true, true},
		// Address literals: the dialer resolves nothing.
		{"IPv4-mapped literal", "", "http://[::ffff:127.0.0.1]" + port + "/", egress.ClassLoopback, "::ffff:127.0.0.1", false, false},
		{"IPv4-mapped literal in hex", "", "http://[::ffff:7f00:1]" + port + "/", egress.ClassLoopback, "::ffff:7f00:1", false, false},
		{"IPv4-compatible literal", "", "http://[::127.0.0.1]" + port + "/", egress.ClassLoopback, "::127.0.0.1", false, false},
		{"metadata through NAT64", "", "http://[64:ff9b::a9fe:a9fe]/", egress.ClassLinkLocal, "64:ff9b::a9fe:a9fe", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dns := loopbackDNS()
			c, passed := guarded(t, tt.allow, dns)
			_, err := c.Do(t.Context(), nil, egress.Request{URL: tt.url})
			if tt.ok {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
			} else {
				wantRefused(t, err, tt.class, tt.host)
				if p := passed(); len(p) != 0 {
					t.Errorf("connections attempted past the guard: %v", p)
				}
			}
			if asked := len(dns.queried()) > 0; asked != tt.queries {
				t.Errorf("resolver asked %v, want asked: %v", dns.queried(), tt.queries)
			}
		})
	}
	if n := len(srv.requests()); n != 4 {
		t.Errorf("the server saw %d requests, want 4 (the allowed ones)", n)
	}
}

// Redirects dial through the same guard.
func TestGuardRedirect(t *testing.T) {
	var srv *server
	srv = newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if to := r.URL.Query().Get("to"); to != "" {
			http.Redirect(w, r, strings.Replace(to, "PORT", srv.URL[strings.LastIndex(srv.URL, ":")+1:], 1), http.StatusFound)
			return
		}
		fmt.Fprint(w, "landed")
	})
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	for _, tt := range []struct {
		to    string
		class egress.AddressClass
		host  string
	}{
		{"http://rebind.test:PORT/private/path?token=x", egress.ClassLoopback, "rebind.test"},
		{"http://metadata.test/latest/meta-data/", egress.ClassLinkLocal, "metadata.test"},
		{"http://127.0.0.1:PORT/", egress.ClassLoopback, "127.0.0.1"},
		{"http://2130706433:PORT/", egress.ClassLoopback, "2130706433"},
	} {
		t.Run(tt.to, func(t *testing.T) {
			c, passed := guarded(t, "allowed.test", loopbackDNS())
			start := "http://allowed.test" + port + "/?to=" + url.QueryEscape(tt.to)
			_, err := c.Do(t.Context(), nil, egress.Request{URL: start})
			wantRefused(t, err, tt.class, tt.host)
			if p := passed(); len(p) != 1 {
				t.Errorf("connections past the guard: %v, want the allowed one", p)
			}
		})
	}
	c, _ := guarded(t, "allowed.test", loopbackDNS())
	resp, err := c.Do(t.Context(), nil, egress.Request{URL: "http://allowed.test" + port + "/?to=" + url.QueryEscape("http://allowed.test:PORT/landing")})
	if err != nil || string(resp.Body) != "landed" {
		t.Fatalf("a redirect to an allowed host: %v %v", resp, err)
	}
}

// With a proxy, the guard judges the proxy's address: a proxy on loopback
// needs loopback allowed, whatever the target.
func TestGuardProxy(t *testing.T) {
	proxy := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "via proxy") })
	pu, _ := url.Parse(proxy.URL)
	_, err := egress.NewClient(egress.Options{Proxy: http.ProxyURL(pu)}).Do(t.Context(), nil, egress.Request{URL: "http://example.com/"})
	wantRefused(t, err, egress.ClassLoopback, "127.0.0.1")
	resp, err := egress.NewClient(egress.Options{Allow: loopback, Proxy: http.ProxyURL(pu)}).Do(t.Context(), nil, egress.Request{URL: "http://example.com/"})
	if err != nil || string(resp.Body) != "via proxy" {
		t.Fatalf("%v %v", resp, err)
	}
}

// Every prefix RefusedPrefixes lists is refused at both ends, and an
// address just outside 2000::/3 is too.
func TestRefusedPrefixes(t *testing.T) {
	v4, v6 := egress.RefusedPrefixes()
	if len(v4) == 0 || len(v6) == 0 {
		t.Fatalf("RefusedPrefixes: %d IPv4 and %d IPv6 prefixes", len(v4), len(v6))
	}
	for _, p := range append(v4, v6...) {
		first := p.Masked().Addr()
		last := first
		b := last.AsSlice()
		for i := p.Bits(); i < len(b)*8; i++ {
			b[i/8] |= 0x80 >> (i % 8)
		}
		last, _ = netip.AddrFromSlice(b)
		for _, a := range []netip.Addr{first, last} {
			if c := egress.Classify(a); c == egress.ClassPublic {
				t.Errorf("%s (in %s) is public", a, p)
			}
		}
	}
	g := egress.GlobalUnicastPrefix()
	if egress.Classify(netip.MustParseAddr("1fff:ffff::1")) == egress.ClassPublic || !g.Contains(netip.MustParseAddr("2606:4700::1")) {
		t.Errorf("global unicast %s", g)
	}
}
