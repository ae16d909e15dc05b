package connectors

import (
	"fmt"
	"slices"
	"sort"
	"testing"
)

// semver.go's own parser was replaced by golang.org/x/mod/semver, which
// parses with a fifth of the memory and faster (CompareVersions and a
// lookup among one version, as every connector has today, about 40% less
// time) but parses both strings again on every compare, so a compare of
// parsed versions costs about 40 ns instead of 15: a lookup among 12
// versions took about 35% longer, and break-even is at about four versions.
// Masterminds/semver/v3 v3.4.0 allocated 2-10 times as much as the old
// parser and sorted versions at half its speed.
//
// BenchmarkVersion measures version handling the way the registry uses
// it: Register parses a version and sorts a connector's versions, Lookup
// parses the version a definition names and looks for it among them, and
// CompareVersions orders version strings.
func BenchmarkVersion(b *testing.B) {
	// semver.org's precedence example, shuffled, as a connector's versions.
	list := []string{"10.0.0", "1.0.0-beta.11", "1.0.0", "2.0.0", "1.0.0-alpha.beta", "1.0.0-alpha", "1.1.0", "1.0.0-rc.1", "1.0.1", "1.0.0-beta", "1.0.0-alpha.1", "1.0.0-beta.2"}
	wanted := []string{"1.0.1", "2.0.0", "1.0.0-rc.1", "3.1.4+build.7"}

	b.Run("op=CompareVersions", func(b *testing.B) {
		got := make([]string, len(list))
		for b.Loop() {
			copy(got, list)
			sort.Slice(got, func(i, j int) bool { return CompareVersions(got[i], got[j]) < 0 })
		}
	})
	b.Run("op=register", func(b *testing.B) {
		parsed := make([]version, 0, len(list))
		for b.Loop() {
			parsed = parsed[:0]
			for _, s := range list {
				v, err := parseVersion(s)
				if err != nil {
					b.Fatal(err)
				}
				parsed = append(parsed, v)
				slices.SortFunc(parsed, version.compare)
			}
		}
	})
	// Every connector has one version today; the registry is built for
	// several side by side.
	for _, n := range []int{1, len(list)} {
		b.Run(fmt.Sprintf("op=lookup/versions=%d", n), func(b *testing.B) {
			parsed := make([]version, n)
			for i, s := range list[:n] {
				parsed[i], _ = parseVersion(s)
			}
			for b.Loop() {
				for _, s := range wanted {
					w, err := parseVersion(s)
					if err != nil {
						b.Fatal(err)
					}
					for _, v := range parsed {
						if v.compare(w) == 0 {
							break
						}
					}
				}
			}
		})
	}
}
