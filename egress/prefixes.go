package egress

import "net/netip"

// RefusedPrefixes lists the ranges the address guard refuses unless
// allowed, IPv4 and IPv6, for rules kept outside the process that must say
// the same: deploy/k8s's NetworkPolicy, whose test compares them. Two
// refusals are not ranges of their own and such rules have to add them:
// IPv6 outside 2000::/3 (ClassReserved), and the IPv6 forms of an IPv4
// address, which Classify judges by the IPv4 address they carry.
func RefusedPrefixes() (ipv4, ipv6 []netip.Prefix) {
	for _, r := range ipv4Ranges {
		ipv4 = append(ipv4, r.prefix)
	}
	for _, r := range ipv6Ranges {
		ipv6 = append(ipv6, r.prefix)
	}
	return ipv4, ipv6
}

// GlobalUnicastPrefix is 2000::/3, outside which the guard refuses every
// IPv6 address.
func GlobalUnicastPrefix() netip.Prefix { return globalUnicast }
