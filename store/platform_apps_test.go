package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

func testPlatformApp(key, version string) AppVersion {
	a := testApp("x", key, version)
	a.Owner = PlatformApps()
	return a
}

// The platform's apps live beside the accounts' and apart from them: the
// same rules, no account needed, and neither sees the other's versions.
func TestPlatformApps(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")

		first := mustCreateApp(t, s, testPlatformApp("crm", "1.0.0"))
		if !first.Owner.Platform || first.Owner.AccountID != "" {
			t.Errorf("created %+v, want the platform's", first.Owner)
		}
		mustCreateApp(t, s, testPlatformApp("crm", "1.1.0"))
		mustCreateApp(t, s, testPlatformApp("billing", "0.1.0"))
		mustCreateApp(t, s, testApp("acme", "own", "1.0.0"))
		// The same document again is idempotent; another is a conflict.
		if again := mustCreateApp(t, s, testPlatformApp("crm", "1.0.0")); !again.CreatedAt.Equal(first.CreatedAt) {
			t.Errorf("the same version again was stored anew: %v, first %v", again.CreatedAt, first.CreatedAt)
		}
		changed := testPlatformApp("crm", "1.0.0")
		changed.Body = []byte(`{"changed": true}`)
		if _, err := s.CreateAppVersion(ctx, changed); !errors.Is(err, ErrConflict) {
			t.Errorf("another document for a platform version = %v, want ErrConflict", err)
		}

		got, err := s.ListApps(ctx, PlatformApps(), Page{})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"billing@0.1.0", "crm@1.1.0"}; !slices.Equal(appVersions(got), want) {
			t.Errorf("ListApps(platform) = %v, want %v", appVersions(got), want)
		}
		if got, _ := s.ListApps(ctx, AccountApps("acme"), Page{}); !slices.Equal(appVersions(got), []string{"own@1.0.0"}) {
			t.Errorf("ListApps(acme) = %v: the platform's apps are not the account's", appVersions(got))
		}
		if _, err := s.AppVersion(ctx, AccountApps("acme"), "crm", "1.0.0"); !errors.Is(err, ErrNotFound) {
			t.Errorf("a platform version read as the account's = %v, want ErrNotFound", err)
		}
		if _, err := s.AppVersion(ctx, PlatformApps(), "own", "1.0.0"); !errors.Is(err, ErrNotFound) {
			t.Errorf("an account's version read as the platform's = %v, want ErrNotFound", err)
		}
		v, err := s.AppVersion(ctx, PlatformApps(), "crm", "1.0.0")
		if err != nil || !v.Owner.Platform || string(v.Body) != string(first.Body) {
			t.Errorf("AppVersion(platform) = %+v, %v", v, err)
		}
		if n, err := s.AccountsWithApp(ctx, "own"); err != nil || n != 1 {
			t.Errorf("AccountsWithApp(own) = %d, %v; want 1", n, err)
		}
		if n, err := s.AccountsWithApp(ctx, "crm"); err != nil || n != 0 {
			t.Errorf("AccountsWithApp(crm) = %d, %v; want 0 (a platform app is no account's)", n, err)
		}

		// An owner that is not exactly one of the two is refused, never
		// taken for the platform.
		for _, bad := range []AppOwner{{}, {AccountID: "acme", Platform: true}} {
			a := testApp("acme", "zzz", "1.0.0")
			a.Owner = bad
			if _, err := s.CreateAppVersion(ctx, a); !errors.Is(err, ErrInvalid) {
				t.Errorf("CreateAppVersion with owner %+v = %v, want ErrInvalid", bad, err)
			}
		}
		if got, _ := s.ListApps(ctx, AppOwner{}, Page{}); len(got) != 0 {
			t.Errorf("ListApps of the zero owner = %v, want none", appVersions(got))
		}

		if err := s.DeleteAppVersion(ctx, PlatformApps(), "crm", "1.1.0"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteApp(ctx, PlatformApps(), "crm"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteApp(ctx, PlatformApps(), "crm"); !errors.Is(err, ErrNotFound) {
			t.Errorf("DeleteApp(platform) again = %v, want ErrNotFound", err)
		}
		if _, err := s.AppVersion(ctx, AccountApps("acme"), "own", "1.0.0"); err != nil {
			t.Errorf("the account's app after deleting the platform's: %v", err)
		}
	})
}

// A deprecation is set, shown by every read, replaced and cleared; the
// document stays as stored.
func TestDeprecateAppVersion(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		for _, owner := range []AppOwner{AccountApps("acme"), PlatformApps()} {
			t.Run(owner.String(), func(t *testing.T) {
				for _, v := range []string{"1.0.0", "2.0.0"} {
					a := testApp("acme", "crm", v)
					a.Owner = owner
					mustCreateApp(t, s, a)
				}
				dep := &AppDeprecation{Date: "2027-06-30", Replacement: "2.0.0", Note: "2.0.0 renames name to full_name."}
				got, err := s.DeprecateAppVersion(ctx, owner, "crm", "1.0.0", dep)
				if err != nil {
					t.Fatal(err)
				}
				if got.Deprecation == nil || *got.Deprecation != *dep || got.Status != "stable" || len(got.Body) == 0 {
					t.Errorf("DeprecateAppVersion = %+v (deprecation %+v), want the version with its document and %+v", got, got.Deprecation, dep)
				}
				versions, err := s.AppVersions(ctx, owner, "crm", Page{})
				if err != nil {
					t.Fatal(err)
				}
				if len(versions) != 2 || versions[0].Deprecation != nil || versions[1].Deprecation == nil || *versions[1].Deprecation != *dep {
					t.Errorf("AppVersions after deprecating 1.0.0: %+v", versions)
				}
				// Deprecating the same version again replaces the deprecation.
				later := &AppDeprecation{Date: "2027-12-31", Replacement: "2.0.0"}
				if got, err := s.DeprecateAppVersion(ctx, owner, "crm", "1.0.0", later); err != nil || *got.Deprecation != *later {
					t.Errorf("deprecating again = %+v, %v; want %+v", got.Deprecation, err, later)
				}

				bad := []struct {
					name    string
					version string
					d       AppDeprecation
					want    error
				}{
					{"not a date", "1.0.0", AppDeprecation{Date: "30/06/2027", Replacement: "2.0.0"}, ErrInvalid},
					{"no such day", "1.0.0", AppDeprecation{Date: "2027-02-30", Replacement: "2.0.0"}, ErrInvalid},
					{"replacement not a version", "1.0.0", AppDeprecation{Date: "2027-06-30", Replacement: "two"}, ErrInvalid},
					{"replacement not later", "2.0.0", AppDeprecation{Date: "2027-06-30", Replacement: "1.0.0"}, ErrInvalid},
					{"replacement itself", "2.0.0", AppDeprecation{Date: "2027-06-30", Replacement: "2.0.0"}, ErrInvalid},
					{"note too long", "1.0.0", AppDeprecation{Date: "2027-06-30", Replacement: "2.0.0", Note: strings.Repeat("n", MaxAppNoteLen+1)}, ErrInvalid},
					{"no such version", "3.0.0", AppDeprecation{Date: "2027-06-30", Replacement: "4.0.0"}, ErrNotFound},
				}
				for _, tt := range bad {
					if _, err := s.DeprecateAppVersion(ctx, owner, "crm", tt.version, &tt.d); !errors.Is(err, tt.want) {
						t.Errorf("%s: DeprecateAppVersion = %v, want %v", tt.name, err, tt.want)
					}
				}

				if got, err := s.DeprecateAppVersion(ctx, owner, "crm", "1.0.0", nil); err != nil || got.Deprecation != nil {
					t.Errorf("clearing the deprecation = %+v, %v", got.Deprecation, err)
				}
				if got, _ := s.AppVersion(ctx, owner, "crm", "1.0.0"); got.Deprecation != nil {
					t.Errorf("read after clearing: %+v", got.Deprecation)
				}
				// A new version is never created deprecated.
				a := testApp("acme", "crm", "3.0.0")
				a.Owner, a.Deprecation = owner, dep
				if _, err := s.CreateAppVersion(ctx, a); !errors.Is(err, ErrInvalid) {
					t.Errorf("creating a deprecated version = %v, want ErrInvalid", err)
				}
			})
		}
	})
}
