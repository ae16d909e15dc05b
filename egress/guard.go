package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
)

// AddressClass says what kind of address an IP is, as far as calling it
// from a worker goes: ClassPublic, which the address guard lets through,
// or the reason it refuses one.
type AddressClass uint8

// The classes Classify returns. Every class but ClassPublic is refused
// unless Options.Allow lets the address (or the request's host name)
// through.
const (
	// ClassPublic: a globally routable unicast address.
	ClassPublic AddressClass = iota
	// ClassInvalid: not an address (the zero netip.Addr, an address the
	// dialer reports in a form that does not parse).
	ClassInvalid
	// ClassUnspecified: 0.0.0.0/8 ("this network") and ::, which many
	// systems route to the host itself.
	ClassUnspecified
	// ClassLoopback: 127.0.0.0/8 and ::1, the worker's own host.
	ClassLoopback
	// ClassPrivate: RFC 1918 (10/8, 172.16/12, 192.168/16) and IPv6's
	// deprecated site-local fec0::/10.
	ClassPrivate
	// ClassLinkLocal: 169.254.0.0/16 (with the cloud metadata service,
	// 169.254.169.254) and fe80::/10.
	ClassLinkLocal
	// ClassShared: 100.64.0.0/10, carrier-grade NAT's shared space.
	ClassShared
	// ClassUniqueLocal: fc00::/7, IPv6's private networks.
	ClassUniqueLocal
	// ClassMulticast: 224.0.0.0/4 and ff00::/8.
	ClassMulticast
	// ClassBroadcast: 255.255.255.255.
	ClassBroadcast
	// ClassReserved: 240.0.0.0/4, the IETF's 192.0.0.0/24 and
	// 192.88.99.0/24, IPv6 outside 2000::/3 (100::/64 discard included),
	// Teredo 2001::/32, and a local-use NAT64 address (64:ff9b:1::/48)
	// whose IPv4 address is not in its last 32 bits.
	ClassReserved
	// ClassBenchmarking: 198.18.0.0/15 and 2001:2::/48.
	ClassBenchmarking
	// ClassDocumentation: 192.0.2/24, 198.51.100/24, 203.0.113/24,
	// 2001:db8::/32 and 3fff::/20.
	ClassDocumentation
)

var classNames = [...]string{
	ClassPublic:        "public",
	ClassInvalid:       "invalid",
	ClassUnspecified:   "unspecified (this-network)",
	ClassLoopback:      "loopback",
	ClassPrivate:       "private",
	ClassLinkLocal:     "link-local",
	ClassShared:        "shared (carrier-grade NAT)",
	ClassUniqueLocal:   "unique-local",
	ClassMulticast:     "multicast",
	ClassBroadcast:     "broadcast",
	ClassReserved:      "reserved",
	ClassBenchmarking:  "benchmarking",
	ClassDocumentation: "documentation",
}

// String names the class as errors print it ("loopback", "link-local").
func (c AddressClass) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return "class " + strconv.Itoa(int(c))
}

type classRange struct {
	prefix netip.Prefix
	class  AddressClass
}

func ranges(class AddressClass, cidrs ...string) []classRange {
	out := make([]classRange, len(cidrs))
	for i, c := range cidrs {
		out[i] = classRange{netip.MustParsePrefix(c), class}
	}
	return out
}

// ipv4Ranges and ipv6Ranges are the refused ranges, from IANA's
// special-purpose address registries; the first that holds an address
// gives its class (255.255.255.255 before 240/4).
var (
	ipv4Ranges = concat(
		ranges(ClassUnspecified, "0.0.0.0/8"),
		ranges(ClassLoopback, "127.0.0.0/8"),
		ranges(ClassPrivate, "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"),
		ranges(ClassLinkLocal, "169.254.0.0/16"),
		ranges(ClassShared, "100.64.0.0/10"),
		ranges(ClassMulticast, "224.0.0.0/4"),
		ranges(ClassBroadcast, "255.255.255.255/32"),
		ranges(ClassReserved, "240.0.0.0/4", "192.0.0.0/24", "192.88.99.0/24"),
		ranges(ClassBenchmarking, "198.18.0.0/15"),
		ranges(ClassDocumentation, "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"),
	)
	ipv6Ranges = concat(
		ranges(ClassUnspecified, "::/128"),
		ranges(ClassLoopback, "::1/128"),
		ranges(ClassLinkLocal, "fe80::/10"),
		ranges(ClassPrivate, "fec0::/10"),
		ranges(ClassUniqueLocal, "fc00::/7"),
		ranges(ClassMulticast, "ff00::/8"),
		ranges(ClassDocumentation, "2001:db8::/32", "3fff::/20"),
		ranges(ClassBenchmarking, "2001:2::/48"),
		ranges(ClassReserved, "2001::/32", "64:ff9b:1::/48"),
	)
	globalUnicast = netip.MustParsePrefix("2000::/3")

	// The IPv6 forms of an IPv4 address that Classify looks through.
	ipv4Compatible = netip.MustParsePrefix("::/96")
	nat64          = netip.MustParsePrefix("64:ff9b::/96")
	nat64Local     = netip.MustParsePrefix("64:ff9b:1::/96") // the /96 form within 64:ff9b:1::/48
	sixToFour      = netip.MustParsePrefix("2002::/16")
)

func concat(rs ...[]classRange) []classRange {
	var out []classRange
	for _, r := range rs {
		out = append(out, r...)
	}
	return out
}

// Classify says which class ip belongs to. It is pure: no I/O, no
// resolution. An IPv6 address that carries an IPv4 one (IPv4-mapped
// ::ffff:0:0/96, IPv4-compatible ::/96, NAT64 64:ff9b::/96 and the /96
// form of 64:ff9b:1::/48, 6to4 2002::/16) is classified by the IPv4
// address it carries, so ::ffff:127.0.0.1 is loopback and
// 64:ff9b::a9fe:a9fe (169.254.169.254 through NAT64) link-local. A zone
// (fe80::1%eth0) is ignored.
func Classify(ip netip.Addr) AddressClass {
	if !ip.IsValid() {
		return ClassInvalid
	}
	ip = ip.WithZone("").Unmap()
	if ip.Is4() {
		return classify(ip, ipv4Ranges)
	}
	if v4, ok := embeddedIPv4(ip); ok {
		return classify(v4, ipv4Ranges)
	}
	if c := classify(ip, ipv6Ranges); c != ClassPublic || globalUnicast.Contains(ip) {
		return c
	}
	return ClassReserved
}

func classify(ip netip.Addr, table []classRange) AddressClass {
	for _, r := range table {
		if r.prefix.Contains(ip) {
			return r.class
		}
	}
	return ClassPublic
}

// embeddedIPv4 returns the IPv4 address an IPv6 one carries, in the forms
// Classify looks through (an IPv4-mapped one is unmapped before). :: and
// ::1, although in ::/96, are IPv6's own unspecified and loopback
// addresses.
func embeddedIPv4(ip netip.Addr) (netip.Addr, bool) {
	b := ip.As16()
	switch {
	case ip == netip.IPv6Unspecified() || ip == netip.IPv6Loopback():
		return netip.Addr{}, false
	case ipv4Compatible.Contains(ip), nat64.Contains(ip), nat64Local.Contains(ip):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixToFour.Contains(ip):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}

// ErrRefused is what every refusal of the address guard is (test with
// errors.Is; errors.As finds the *RefusedError). Nothing was sent: the
// connection was refused before it was made, so sending the request again
// cannot succeed until the allow list changes.
var ErrRefused = errors.New("destination refused")

// RefusedError is the address guard's refusal of a connection: the address
// the request's host is or resolves to is not public, and Options.Allow
// does not let it through. Its text names the class and the host, never
// the address a name resolved to (a tenant must not map the worker's
// network by asking) nor anything of the URL beyond its host.
type RefusedError struct {
	// Class is why the address was refused.
	Class AddressClass
	// Host is the request's host (the proxy's, when one is configured):
	// a name or an address literal, without port.
	Host string
	// Downgrade means the refusal is of a redirect from https down to http
	// (to Host), not of an address; Class is then unset.
	Downgrade bool
}

// Error reads like "destination refused: metadata.test resolves to a
// link-local address, which egress does not connect to unless allowed".
func (e *RefusedError) Error() string { return ErrRefused.Error() + ": " + e.reason() }

func (e *RefusedError) reason() string {
	if e.Downgrade {
		return "a redirect from https down to http (" + e.Host + "), which egress does not follow"
	}
	host, verb := e.Host, "resolves to"
	if _, err := netip.ParseAddr(host); err == nil {
		verb = "is"
	}
	if host == "" {
		host, verb = "the destination", "is"
	}
	return fmt.Sprintf("%s %s %s %s address, which egress does not connect to unless allowed", host, verb, article(e.Class), e.Class)
}

// Is makes a RefusedError match ErrRefused.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

func article(c AddressClass) string {
	if strings.ContainsRune("aeiou", rune(c.String()[0])) {
		return "an"
	}
	return "a"
}

// guard is the address guard of one transport. Its dial (the transport's
// DialContext) refuses a host that is an address, in any spelling, before
// anything is resolved or a socket made, and hands the request's host to
// check; check (the dialer's ControlContext) refuses each address a name
// resolved to, just before connect(2). Both let through what is public or
// allowed.
type guard struct {
	allow   Allow
	dialer  *net.Dialer
	control func(ctx context.Context, network, address string, c syscall.RawConn) error
	refused func(*RefusedError) // Options.Refused
}

func newGuard(o Options) *guard {
	g := &guard{allow: o.Allow, control: o.DialControl, refused: o.Refused}
	g.dialer = &net.Dialer{Timeout: dialTimeout, KeepAlive: dialKeepAlive, Resolver: o.Resolver, ControlContext: g.check}
	return g
}

// dialHost carries the request's host from dial to check.
type dialHost struct {
	host    string
	allowed bool // by name: every address it resolves to is let through
}

type dialHostKey struct{}

// dial is the transport's DialContext. address is the host and port before
// resolution: the request's (the proxy's, with a proxy).
func (g *guard) dial(ctx context.Context, network, address string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		host = address
	}
	host = normalHost(host)
	d := dialHost{host: host, allowed: g.allow.host(host)}
	if !d.allowed {
		// An address literal is refused before a socket is made; so is a
		// name such as 127.1, 2130706433 or 0x7f.1, which resolvers that
		// follow inet_aton (glibc's among them) read as an address, before
		// any resolver is asked. check judges what names resolve to.
		if ip, ok := hostAddr(host); ok {
			if class := Classify(ip); class != ClassPublic && !g.allow.addr(ip) {
				return nil, &net.OpError{Op: "dial", Net: network, Err: noteRefusal(g.refused, &RefusedError{Class: class, Host: host})}
			}
		}
	}
	return g.dialer.DialContext(context.WithValue(ctx, dialHostKey{}, d), network, address)
}

// check is the dialer's ControlContext: address is the IP and port about
// to be connected to, so a DNS answer that changed since any earlier
// check, or a redirect's, is judged here too.
func (g *guard) check(ctx context.Context, network, address string, c syscall.RawConn) error {
	d, _ := ctx.Value(dialHostKey{}).(dialHost)
	if !d.allowed {
		ap, err := netip.ParseAddrPort(address)
		class := ClassInvalid
		if err == nil {
			class = Classify(ap.Addr())
		}
		if class != ClassPublic && (err != nil || !g.allow.addr(ap.Addr())) {
			host := d.host
			if host == "" {
				host = ap.Addr().String()
			}
			return noteRefusal(g.refused, &RefusedError{Class: class, Host: host})
		}
	}
	if g.control != nil {
		return g.control(ctx, network, address, c)
	}
	return nil
}

// normalHost is how host names are compared: lower case, without the
// trailing dot of a fully qualified name.
func normalHost(h string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
}

// hostAddr reads host as an address: an IP literal, or an IPv4 address in
// one of inet_aton's spellings.
func hostAddr(host string) (netip.Addr, bool) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip, true
	}
	return looseIPv4(host)
}

// looseIPv4 reads host the way inet_aton does: one to four parts, each
// decimal, octal (leading 0) or hexadecimal (0x), the last filling the
// bytes left (127.1, 2130706433, 0x7f.1, 017700000001, 127.0.0.1). It
// reports false for anything else, host names included.
func looseIPv4(host string) (netip.Addr, bool) {
	host = strings.TrimSuffix(host, ".")
	parts := strings.Split(host, ".")
	if host == "" || len(parts) > 4 {
		return netip.Addr{}, false
	}
	var b [4]byte
	for i, p := range parts {
		v, ok := inetAtonPart(p)
		if !ok {
			return netip.Addr{}, false
		}
		if i < len(parts)-1 {
			if v > 0xff {
				return netip.Addr{}, false
			}
			b[i] = byte(v)
			continue
		}
		rest := 4 - i // bytes the last part fills
		if v >= 1<<(8*rest) {
			return netip.Addr{}, false
		}
		for j := 3; j >= i; j-- {
			b[j] = byte(v)
			v >>= 8
		}
	}
	return netip.AddrFrom4(b), true
}

func inetAtonPart(p string) (uint64, bool) {
	base := 10
	switch {
	case len(p) > 2 && (p[:2] == "0x" || p[:2] == "0X"):
		base, p = 16, p[2:]
	case len(p) > 1 && p[0] == '0':
		base, p = 8, p[1:]
	}
	if p == "" || len(p) > 12 {
		return 0, false
	}
	v, err := strconv.ParseUint(p, base, 64)
	return v, err == nil
}
