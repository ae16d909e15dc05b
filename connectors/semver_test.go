package connectors

import (
	"sort"
	"testing"
)

func TestParseVersion(t *testing.T) {
	for _, ok := range []string{"0.0.0", "1.2.3", "10.20.30", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-0.3.7", "1.0.0-x-y.7", "1.0.0+20130313144700", "1.0.0-beta+exp.sha.5114f85"} {
		if _, err := parseVersion(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "1", "1.2", "v1.2.3", "01.2.3", "1.2.3-", "1.2.3-01", "1.2.3+", "1.2.3-a..b", "1.2.3-a_b", "1.2.x", "-1.2.3"} {
		if _, err := parseVersion(bad); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}

func TestVersionOrder(t *testing.T) {
	// semver.org's own example of precedence.
	want := []string{"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0", "10.0.0"}
	got := []string{"10.0.0", "1.0.0-beta.11", "1.0.0", "2.0.0", "1.0.0-alpha.beta", "1.0.0-alpha", "1.1.0", "1.0.0-rc.1", "1.0.1", "1.0.0-beta", "1.0.0-alpha.1", "1.0.0-beta.2"}
	sort.Slice(got, func(i, j int) bool { return CompareVersions(got[i], got[j]) < 0 })
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("sorted: %v", got)
		}
	}
	if CompareVersions("1.0.0+a", "1.0.0+b") != 0 {
		t.Error("build metadata changed precedence")
	}
}
