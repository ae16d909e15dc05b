package egress

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// AllowLoopback is the allow list of Default and of `junction dev`: the
// worker's own host, where tests' and a laptop's fakes listen.
const AllowLoopback = "127.0.0.0/8,::1"

// Allow is the address guard's allow list: the addresses and host names a
// Client connects to although they are not public. The zero Allow lets
// nothing through beyond public addresses.
//
// A CIDR or an address is matched against the address about to be
// connected to (after resolution; an IPv6 form of an IPv4 address matches
// the IPv4 entries too). A host name is matched against the request's host
// before resolution, and lets it connect to whatever that name resolves
// to: allow a name only when its DNS is yours.
type Allow struct {
	prefixes []netip.Prefix
	hosts    []string
}

// ParseAllow reads an allow list: entries separated by commas, each a CIDR
// (10.0.0.0/8, fd00::/8), an address (127.0.0.1, ::1) or a host name
// (api.internal). "none" or "" is the empty list. The error names the
// first entry that is none of these.
func ParseAllow(list string) (Allow, error) {
	var entries []string
	for e := range strings.SplitSeq(list, ",") {
		if e = strings.TrimSpace(e); e != "" {
			entries = append(entries, e)
		}
	}
	var a Allow
	for _, e := range entries {
		if strings.EqualFold(e, "none") {
			if len(entries) > 1 {
				return Allow{}, fmt.Errorf("egress allow list %q: none must be the only entry", list)
			}
			return Allow{}, nil
		}
		if p, err := netip.ParsePrefix(e); err == nil && p.Addr().Zone() == "" {
			a.prefixes = append(a.prefixes, p.Masked())
			continue
		}
		if ip, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(e, "["), "]")); err == nil && ip.Zone() == "" {
			a.prefixes = append(a.prefixes, netip.PrefixFrom(ip, ip.BitLen()))
			continue
		}
		if strings.Contains(e, "/") {
			return Allow{}, fmt.Errorf("egress allow list: entry %q is not a valid CIDR", e)
		}
		if _, ok := looseIPv4(e); ok {
			return Allow{}, fmt.Errorf("egress allow list: entry %q is an IPv4 address in a loose spelling; write it as a dotted quad or a CIDR", e)
		}
		h := normalHost(e)
		if !isHostName(h) {
			return Allow{}, fmt.Errorf("egress allow list: entry %q is not a CIDR, an IP address or a host name", e)
		}
		a.hosts = append(a.hosts, h)
	}
	return a, nil
}

// isHostName reports whether h (lower case) is a DNS name: dot-separated
// labels of letters, digits, '-' and '_', none empty or longer than 63.
func isHostName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for label := range strings.SplitSeq(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

func mustParseAllow(list string) Allow {
	a, err := ParseAllow(list)
	if err != nil {
		panic(err)
	}
	return a
}

// IsZero reports whether the list lets nothing through beyond public
// addresses.
func (a Allow) IsZero() bool { return len(a.prefixes) == 0 && len(a.hosts) == 0 }

// String is the list as ParseAllow reads it back ("none" when empty), for
// logs.
func (a Allow) String() string {
	if a.IsZero() {
		return "none"
	}
	out := make([]string, 0, len(a.prefixes)+len(a.hosts))
	for _, p := range a.prefixes {
		if p.IsSingleIP() {
			out = append(out, p.Addr().String())
		} else {
			out = append(out, p.String())
		}
	}
	return strings.Join(append(out, a.hosts...), ",")
}

// host reports whether a host name entry matches host (normalised by
// normalHost).
func (a Allow) host(host string) bool { return slices.Contains(a.hosts, host) }

// addr reports whether a CIDR or address entry holds ip, or the IPv4
// address it carries.
func (a Allow) addr(ip netip.Addr) bool {
	if len(a.prefixes) == 0 || !ip.IsValid() {
		return false
	}
	ip = ip.WithZone("").Unmap()
	v4, embeds := embeddedIPv4(ip)
	for _, p := range a.prefixes {
		if p.Contains(ip) || embeds && p.Contains(v4) {
			return true
		}
	}
	return false
}
