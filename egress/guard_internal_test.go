package egress

import (
	"net/netip"
	"testing"
)

// looseIPv4 reads the spellings inet_aton takes, and nothing else.
func TestLooseIPv4(t *testing.T) {
	tests := []struct {
		host string
		want string // "" for not an address
	}{
		{"127.0.0.1", "127.0.0.1"},
		{"127.1", "127.0.0.1"},
		{"127.0.1", "127.0.0.1"},
		{"2130706433", "127.0.0.1"},
		{"0x7f000001", "127.0.0.1"},
		{"0x7f.1", "127.0.0.1"},
		{"0X7F.0.0.01", "127.0.0.1"},
		{"017700000001", "127.0.0.1"},
		{"0177.0.0.1", "127.0.0.1"},
		{"127.0.0.1.", "127.0.0.1"},
		{"0", "0.0.0.0"},
		{"169.254.43518", "169.254.169.254"},
		{"0xa9fea9fe", "169.254.169.254"},
		{"10.1", "10.0.0.1"},
		{"4294967295", "255.255.255.255"},
		{"4294967296", ""},
		{"256.0.0.1", ""},
		{"1.2.3.4.5", ""},
		{"127.0.0.0x", ""},
		{"08", ""}, // not octal
		{"", ""},
		{"example.com", ""},
		{"1e3", ""},
		{"::1", ""},
		{"-1", ""},
	}
	for _, tt := range tests {
		got, ok := looseIPv4(tt.host)
		if ok != (tt.want != "") || ok && got != netip.MustParseAddr(tt.want) {
			t.Errorf("looseIPv4(%q) = %v, %v; want %q", tt.host, got, ok, tt.want)
		}
	}
}
