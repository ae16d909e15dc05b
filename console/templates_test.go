package console

import (
	"io/fs"
	"regexp"
	"testing"
)

// preTag is a <pre> start tag and its attributes.
var preTag = regexp.MustCompile(`<pre(\s[^>]*)?>`)

// TestPreformattedTextReachableByKeyboard: a <pre> scrolls when its text is
// wider or longer than the box, and a region that scrolls must take focus,
// or keyboard users cannot scroll it (WCAG 2.1.1; axe's
// scrollable-region-focusable, which the browser test found at phone width
// only when a run's data happened to be wide).
func TestPreformattedTextReachableByKeyboard(t *testing.T) {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	tabbable := regexp.MustCompile(`\stabindex="0"`)
	for _, name := range names {
		page, err := fs.ReadFile(templateFiles, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, tag := range preTag.FindAll(page, -1) {
			if !tabbable.Match(tag) {
				t.Errorf("%s: %s has no tabindex=\"0\"", name, tag)
			}
		}
	}
}
