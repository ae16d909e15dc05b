package store

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func testApp(accountID, key, version string) AppVersion {
	return AppVersion{Owner: AccountApps(accountID), Key: key, Version: version, Name: "App " + key, Status: "stable",
		Body: []byte(`{"key": "` + key + `", "version": "` + version + `"}`)}
}

func mustCreateApp(t *testing.T, s *Store, a AppVersion) AppVersion {
	t.Helper()
	got, err := s.CreateAppVersion(context.Background(), a)
	if err != nil {
		t.Fatalf("CreateAppVersion(%s %s): %v", a.Key, a.Version, err)
	}
	return got
}

func appVersions(as []AppVersion) []string {
	return pluck(as, func(a AppVersion) string { return a.Key + "@" + a.Version })
}

func TestCreateAppVersion(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		mustCreateAccount(t, s, "globex")

		in := testApp("acme", "acme_crm", "1.0.0")
		in.Name, in.Status = "Acme CRM ✓", "beta"
		in.Body = []byte("{\n  \"key\": \"acme_crm\",\n  \"version\": \"1.0.0\"\n}")
		first := mustCreateApp(t, s, in)
		if first.CreatedAt.IsZero() || first.CreatedAt.Location().String() != "UTC" {
			t.Errorf("CreatedAt = %v, want a UTC time", first.CreatedAt)
		}
		got, err := s.AppVersion(ctx, AccountApps("acme"), "acme_crm", "1.0.0")
		if err != nil {
			t.Fatal(err)
		}
		if string(got.Body) != string(in.Body) || got.Name != in.Name || got.Status != "beta" || !got.CreatedAt.Equal(first.CreatedAt) {
			t.Errorf("AppVersion = %+v (body %s), want %+v as sent", got, got.Body, first)
		}

		tests := []struct {
			name    string
			in      AppVersion
			wantErr error
		}{
			{name: "the same document again is idempotent", in: in},
			{name: "the same document but for whitespace", in: func() AppVersion {
				a := in
				a.Body = []byte(`{"key":"acme_crm","version":"1.0.0"}`)
				return a
			}()},
			{name: "another document is a conflict", in: func() AppVersion {
				a := in
				a.Body = []byte(`{"key":"acme_crm","version":"1.0.0","name":"changed"}`)
				return a
			}(), wantErr: ErrConflict},
			{name: "no such account", in: testApp("nobody", "acme_crm", "1.0.0"), wantErr: ErrNotFound},
			{name: "no key", in: testApp("acme", "", "1.0.0"), wantErr: ErrInvalid},
			{name: "version with a v", in: testApp("acme", "acme_crm", "v1.0.0"), wantErr: ErrInvalid},
			{name: "short version", in: testApp("acme", "acme_crm", "1.0"), wantErr: ErrInvalid},
			{name: "no status", in: func() AppVersion { a := testApp("acme", "x", "1.0.0"); a.Status = ""; return a }(), wantErr: ErrInvalid},
			{name: "body not JSON", in: func() AppVersion { a := testApp("acme", "x", "1.0.0"); a.Body = []byte("{"); return a }(), wantErr: ErrInvalid},
			{name: "no body", in: func() AppVersion { a := testApp("acme", "x", "1.0.0"); a.Body = nil; return a }(), wantErr: ErrInvalid},
			{name: "NUL in body", in: func() AppVersion { a := testApp("acme", "x", "1.0.0"); a.Body = []byte("\"a\x00\""); return a }(), wantErr: ErrInvalid},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.CreateAppVersion(ctx, tt.in)
				if tt.wantErr != nil {
					if !errors.Is(err, tt.wantErr) {
						t.Fatalf("CreateAppVersion = %v, want %v", err, tt.wantErr)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if string(got.Body) != string(in.Body) || !got.CreatedAt.Equal(first.CreatedAt) {
					t.Errorf("CreateAppVersion again = %s at %v, want the stored %s at %v", got.Body, got.CreatedAt, in.Body, first.CreatedAt)
				}
			})
		}
		if n := countRows(t, s, "apps", "account_id = ?", "acme"); n != 1 {
			t.Errorf("%d rows, want 1", n)
		}

		// The same key and version in another account is another app.
		mustCreateApp(t, s, testApp("globex", "acme_crm", "1.0.0"))
		if _, err := s.AppVersion(ctx, AccountApps("globex"), "acme_crm", "2.0.0"); !errors.Is(err, ErrNotFound) {
			t.Errorf("AppVersion of a missing version = %v, want ErrNotFound", err)
		}
	})
}

func TestAppVersionsAndListApps(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		mustCreateAccount(t, s, "globex")
		for _, v := range []string{"1.10.0", "1.0.0", "2.0.0-beta.1", "1.2.0", "2.0.0", "1.9.0", "0.1.0"} {
			mustCreateApp(t, s, testApp("acme", "crm", v))
		}
		mustCreateApp(t, s, testApp("acme", "billing", "0.2.0"))
		mustCreateApp(t, s, testApp("acme", "billing", "0.10.0"))
		mustCreateApp(t, s, testApp("acme", "zeta", "3.0.0-rc.1"))
		mustCreateApp(t, s, testApp("globex", "aaa", "9.0.0"))

		versions := []struct {
			page Page
			want []string
		}{
			{Page{}, []string{"crm@2.0.0", "crm@2.0.0-beta.1", "crm@1.10.0", "crm@1.9.0", "crm@1.2.0", "crm@1.0.0", "crm@0.1.0"}},
			{Page{Limit: 2}, []string{"crm@2.0.0", "crm@2.0.0-beta.1"}},
			{Page{Limit: 2, Offset: 5}, []string{"crm@1.0.0", "crm@0.1.0"}},
			{Page{Offset: 7}, []string{}},
		}
		for _, tt := range versions {
			got, err := s.AppVersions(ctx, AccountApps("acme"), "crm", tt.page)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(appVersions(got), tt.want) {
				t.Errorf("AppVersions(%+v) = %v, want %v", tt.page, appVersions(got), tt.want)
			}
			for _, a := range got {
				if a.Body != nil {
					t.Errorf("AppVersions reads the document of %s", a.Version)
				}
			}
		}
		// With documents: the same versions in the same order, each with
		// the document AppVersion reads.
		full, err := s.AppVersionsWithDocuments(ctx, AccountApps("acme"), "crm", Page{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(appVersions(full), versions[0].want) {
			t.Errorf("AppVersionsWithDocuments = %v, want %v", appVersions(full), versions[0].want)
		}
		for _, a := range full {
			one, err := s.AppVersion(ctx, AccountApps("acme"), "crm", a.Version)
			if err != nil || len(a.Body) == 0 || string(a.Body) != string(one.Body) {
				t.Errorf("AppVersionsWithDocuments' document of %s = %s, AppVersion's %s (%v)", a.Version, a.Body, one.Body, err)
			}
		}
		if _, err := s.AppVersions(ctx, AccountApps("globex"), "crm", Page{}); !errors.Is(err, ErrNotFound) {
			t.Errorf("AppVersions of another account's app = %v, want ErrNotFound", err)
		}
		if _, err := s.AppVersions(ctx, AccountApps("acme"), "crm", Page{Limit: -1}); !errors.Is(err, ErrInvalid) {
			t.Errorf("AppVersions with a negative limit = %v, want ErrInvalid", err)
		}

		lists := []struct {
			page Page
			want []string
		}{
			{Page{}, []string{"billing@0.10.0", "crm@2.0.0", "zeta@3.0.0-rc.1"}},
			{Page{Limit: 1, Offset: 1}, []string{"crm@2.0.0"}},
			{Page{Offset: 3}, []string{}},
		}
		for _, tt := range lists {
			got, err := s.ListApps(ctx, AccountApps("acme"), tt.page)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(appVersions(got), tt.want) {
				t.Errorf("ListApps(%+v) = %v, want %v", tt.page, appVersions(got), tt.want)
			}
		}
		if got, err := s.ListApps(ctx, AccountApps("nobody"), Page{}); err != nil || got == nil || len(got) != 0 {
			t.Errorf("ListApps of an account without apps = %v, %v; want an empty slice", got, err)
		}
	})
}

func TestDeleteApps(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		mustCreateAccount(t, s, "globex")
		for _, v := range []string{"1.0.0", "1.1.0", "2.0.0"} {
			mustCreateApp(t, s, testApp("acme", "crm", v))
		}
		mustCreateApp(t, s, testApp("acme", "billing", "1.0.0"))
		mustCreateApp(t, s, testApp("globex", "crm", "1.0.0"))

		if err := s.DeleteAppVersion(ctx, AccountApps("acme"), "crm", "2.0.0"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteAppVersion(ctx, AccountApps("acme"), "crm", "2.0.0"); !errors.Is(err, ErrNotFound) {
			t.Errorf("DeleteAppVersion again = %v, want ErrNotFound", err)
		}
		got, err := s.ListApps(ctx, AccountApps("acme"), Page{})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"billing@1.0.0", "crm@1.1.0"}; !slices.Equal(appVersions(got), want) {
			t.Errorf("ListApps after deleting crm 2.0.0 = %v, want %v", appVersions(got), want)
		}
		// A deleted version's number is free again, for any document.
		other := testApp("acme", "crm", "2.0.0")
		other.Body = []byte(`{"another": true}`)
		mustCreateApp(t, s, other)

		if err := s.DeleteApp(ctx, AccountApps("acme"), "crm"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteApp(ctx, AccountApps("acme"), "crm"); !errors.Is(err, ErrNotFound) {
			t.Errorf("DeleteApp again = %v, want ErrNotFound", err)
		}
		if _, err := s.AppVersions(ctx, AccountApps("acme"), "crm", Page{}); !errors.Is(err, ErrNotFound) {
			t.Errorf("AppVersions of a deleted app = %v, want ErrNotFound", err)
		}
		if _, err := s.AppVersion(ctx, AccountApps("globex"), "crm", "1.0.0"); err != nil {
			t.Errorf("another account's app: %v", err)
		}

		// Deleting the account deletes its apps.
		if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM accounts WHERE id = ?`), "acme"); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, s, "apps", "account_id = ?", "acme"); n != 0 {
			t.Errorf("%d rows of apps left after deleting the account", n)
		}
	})
}
