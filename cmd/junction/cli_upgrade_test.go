package main

import (
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

const cliUpgradeReport = `{"app":"acme_crm","from":"1.0.0","to":"2.0.0","definitionVersion":3,
  "schemaChanges":[{"kind":"output_removed","action":"create_contact","field":"lifecycle","message":"create_contact: lifecycle is no longer declared"}],
  "runs":[{"workflowId":"first","temporalWorkflowId":"acme/` + cliDefID + `/first","recordedAt":"2026-12-07T04:16:55.24Z","steps":[
    {"step":"contact","action":"create_contact","version":"1.0.0","differences":[
      {"kind":"output_changed","action":"create_contact","field":"id","from":"ct_1","to":"C-0001","message":"create_contact: returns \"C-0001\" for id from the same answer (it was \"ct_1\")"},
      {"kind":"output_removed","action":"create_contact","field":"lifecycle","from":"lead","message":"create_contact: returns no lifecycle (it was \"lead\")"}]},
    {"step":"notify","action":"send_note","version":"1.0.0","differences":[]}]}],
  "safe":false}`

func TestCLIUpgradeApp(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		api    []cliExchange
		golden string
		out    string
		err    string
	}{
		{
			name: "a dry run",
			args: []string{"upgrade-app", cliDefID, "--app", "acme_crm", "--version", "2.0.0", "--dry-run"},
			api: []cliExchange{{method: "POST", path: cliPrefix + "/definitions/" + cliDefID + "/upgrade-app",
				body: `{"app":"acme_crm","version":"2.0.0","dryRun":true}`, status: 200, resp: cliUpgradeReport}},
			golden: "upgrade-app-dry-run",
		},
		{
			name: "the upgrade",
			args: []string{"upgrade-app", cliDefID, "--app", "acme_crm", "--version", "2.0.0"},
			api: []cliExchange{{method: "POST", path: cliPrefix + "/definitions/" + cliDefID + "/upgrade-app",
				body: `{"app":"acme_crm","version":"2.0.0"}`, status: 200, respHeader: map[string]string{"ETag": `"v3"`}, resp: cliDefV3}},
			out: "updated definition " + cliDefID + ": version 3, on acme_crm 2.0.0\n",
		},
		{
			name: "refused",
			args: []string{"upgrade-app", cliDefID, "--app", "slack", "--version", "1.0.0", "--dry-run"},
			api: []cliExchange{{method: "POST", path: cliPrefix + "/definitions/" + cliDefID + "/upgrade-app",
				body: `{"app":"slack","version":"1.0.0","dryRun":true}`, status: 400,
				resp: `{"code":1000,"message":"app: definition does not use app slack (it uses acme_crm)","errors":[{"path":"app","code":"invalid_value","message":"definition does not use app slack (it uses acme_crm)"}]}`}},
			err: "app: definition does not use app slack",
		},
		{
			name: "no definition",
			args: []string{"upgrade-app", "--app", "acme_crm", "--version", "2.0.0"},
			err:  "usage: junction upgrade-app DEFINITION --app APP --version VERSION",
		},
	}
	testdata, err := filepath.Abs(filepath.Join("testdata", "cli"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &cliFakeAPI{t: t, want: tt.api}
			srv := httptest.NewServer(fake)
			defer srv.Close()
			cliTestEnv(t, srv.URL)
			out, err := cliRun(t, "", tt.args...)
			switch {
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("error %v, want one with %q; output:\n%s", err, tt.err, out)
			case tt.err == "" && err != nil:
				t.Fatalf("error: %v", err)
			}
			if fake.n != len(fake.want) {
				t.Errorf("the API saw %d requests, want %d", fake.n, len(fake.want))
			}
			switch {
			case tt.golden != "":
				cliCheckGolden(t, filepath.Join(testdata, tt.golden+".golden"), out)
			case tt.err == "" && out != tt.out:
				t.Errorf("output:\n%s\nwant:\n%s", out, tt.out)
			}
		})
	}
}
