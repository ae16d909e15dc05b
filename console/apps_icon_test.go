package console

import "testing"

// Only an image's data: URL is shown: the console loads nothing remote.
func TestIconURL(t *testing.T) {
	for icon, want := range map[string]bool{
		"data:image/png;base64,iVBORw0KGgo=":     true,
		"data:image/svg+xml,%3Csvg%3E%3C/svg%3E": true,
		"https://acme.example/icon.png":          false,
		"data:text/html;base64,PHNjcmlwdD4=":     false,
		"javascript:alert(1)":                    false,
		"data:image/pngx;base64,iVBORw0KGgo=":    false,
		"":                                       false,
	} {
		if got := iconURL(icon) != ""; got != want {
			t.Errorf("iconURL(%q) shown: %v, want %v", icon, got, want)
		}
	}
}
