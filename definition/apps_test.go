package definition

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
)

// appsDoc is a definition with a shopify step nested in an If and an http.call step, and the
// given apps block (raw JSON, or "" for none).
func appsDoc(apps string) []byte {
	doc := `{"trigger":"http_request","definition":{"name":"Apps","steps":[
	  {"id":"check","stepType":"If","inputs":{"condition":"{{data.ok}}"},"do":[[
	    {"id":"mark","stepType":"shopify.update_order","inputs":{"id":"{{data.id}}"}}]],"nextStepId":"call"},
	  {"id":"call","stepType":"http.call","inputs":{"url":"https://example.com"}}]}`
	if apps != "" {
		doc += `,"apps":` + apps
	}
	return []byte(doc + `}`)
}

func TestAppsParse(t *testing.T) {
	doc, err := Parse(appsDoc(`{"shopify":"1.0.0","http":"2.1.0-beta.1"}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.Apps; len(got) != 2 || got["shopify"] != "1.0.0" || got["http"] != "2.1.0-beta.1" {
		t.Errorf("apps = %v", got)
	}
	if got := doc.UsedApps(); !slices.Equal(got, []string{"http", "shopify"}) {
		t.Errorf("used apps = %v, want the nested shopify step's app too", got)
	}
	// The block survives the stored form.
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if again.Apps["shopify"] != "1.0.0" {
		t.Errorf("apps lost in a round trip: %s", b)
	}
	none, err := Parse(appsDoc(""))
	if err != nil {
		t.Fatal(err)
	}
	if none.Apps != nil {
		t.Errorf("apps = %v, want none", none.Apps)
	}
}

func TestAppsInvalid(t *testing.T) {
	tests := []struct {
		name, apps, path, code string
	}{
		{"not an object", `["shopify"]`, "apps", CodeInvalidType},
		{"version not a string", `{"shopify":1}`, "apps.shopify", CodeInvalidType},
		{"empty version", `{"shopify":""}`, "apps.shopify", CodeRequired},
		{"leading v", `{"shopify":"v1.0.0"}`, "apps.shopify", CodeInvalidValue},
		{"two parts", `{"shopify":"1.0"}`, "apps.shopify", CodeInvalidValue},
		{"not an app id", `{"Shopify":"1.0.0"}`, "apps.Shopify", CodeInvalidValue},
		{"unused app", `{"shopify":"1.0.0","slack":"1.0.0"}`, "apps.slack", CodeNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(appsDoc(tt.apps))
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want a *ValidationError", err)
			}
			if !ve.HasCode(tt.path, tt.code) {
				t.Errorf("problems %+v, want %s at %s", ve.Errors, tt.code, tt.path)
			}
			if len(ve.Errors) != 1 {
				t.Errorf("problems %+v, want exactly one", ve.Errors)
			}
		})
	}
}

func TestUsedAppsCountsAnAppTrigger(t *testing.T) {
	d := &Document{Trigger: "shopify.orders_create", Definition: Workflow{Steps: []Step{{ID: "a", StepType: StepWait}}}}
	if got := d.UsedApps(); !slices.Equal(got, []string{"shopify"}) {
		t.Errorf("used apps = %v, want [shopify]", got)
	}
}
