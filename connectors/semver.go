package connectors

import (
	"fmt"
	"strings"

	"golang.org/x/mod/semver"
)

// version is a semantic version (https://semver.org, 2.0.0) in the form
// golang.org/x/mod/semver reads: "v" followed by the version as written.
// golang.org/x/mod/semver does the parsing and the ordering; the zero value
// is no version.
type version string

// parseVersion accepts MAJOR.MINOR.PATCH with an optional -prerelease and
// +build, without a leading v, as semver 2.0.0 writes them.
func parseVersion(s string) (version, error) {
	v := "v" + s
	if !semver.IsValid(v) {
		core, _, _ := strings.Cut(s, "+")
		core, _, _ = strings.Cut(core, "-")
		if strings.Count(core, ".") != 2 {
			return "", fmt.Errorf("version %q is not MAJOR.MINOR.PATCH", s)
		}
		return "", fmt.Errorf("version %q is not a semantic version: MAJOR.MINOR.PATCH in numbers without leading zeros, then an optional -prerelease and +build, each dot-separated identifiers of [0-9A-Za-z-] (numeric prerelease identifiers without leading zeros)", s)
	}
	// x/mod/semver reads v1 and v1.2 as v1.0.0 and v1.2.0; semver.org
	// does not.
	if semver.Canonical(v) != v[:len(v)-len(semver.Build(v))] {
		return "", fmt.Errorf("version %q is not MAJOR.MINOR.PATCH", s)
	}
	return version(v), nil
}

// prerelease reports whether v has a -prerelease part.
func (v version) prerelease() bool { return semver.Prerelease(string(v)) != "" }

// compare orders versions by semver precedence: -1, 0 or +1. Build
// metadata is ignored, as semver says.
func (v version) compare(w version) int { return semver.Compare(string(v), string(w)) }

// CompareVersions orders two semantic versions by precedence (-1, 0, +1);
// an invalid version sorts before every valid one.
func CompareVersions(a, b string) int {
	va, errA := parseVersion(a)
	vb, errB := parseVersion(b)
	switch {
	case errA != nil && errB != nil:
		return strings.Compare(a, b)
	case errA != nil:
		return -1
	case errB != nil:
		return 1
	}
	return va.compare(vb)
}
