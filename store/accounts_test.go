package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func mustCreateAccount(t *testing.T, s *Store, id string) Account {
	t.Helper()
	a, err := s.CreateAccount(context.Background(), Account{ID: id, Name: "Account " + id})
	if err != nil {
		t.Fatalf("CreateAccount(%s): %v", id, err)
	}
	return a
}

func accountIDs(as []Account) []string { return pluck(as, func(a Account) string { return a.ID }) }

func subAccountIDs(sas []SubAccount) []string {
	return pluck(sas, func(sa SubAccount) string { return sa.ID })
}

func TestValidateID(t *testing.T) {
	tests := []struct {
		id string
		ok bool
	}{
		{"acme", true},
		{"a", true},
		{"0", true},
		{"Acme_Corp.eu-1", true},
		{"a-", true},
		{strings.Repeat("a", 128), true},
		{"", false},
		{strings.Repeat("a", 129), false},
		{"-acme", false},
		{"_acme", false},
		{".acme", false},
		{"ac me", false},
		{"acme/eu", false},
		{"acme?", false},
		{"acmé", false},
		{"acme\x00", false},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			err := validateID("account", tt.id)
			if tt.ok && err != nil {
				t.Errorf("validateID(%q) = %v, want nil", tt.id, err)
			}
			if !tt.ok && !errors.Is(err, ErrInvalid) {
				t.Errorf("validateID(%q) = %v, want ErrInvalid", tt.id, err)
			}
		})
	}
}

func TestCreateAccount(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, clock := newTestStore(t, url)

		t.Run("stores and returns the account in UTC", func(t *testing.T) {
			want := clock.t.Add(time.Second + time.Nanosecond) // the next tick
			got, err := s.CreateAccount(ctx, Account{ID: "acme", Name: "Acme Corp", CreatedAt: time.Unix(1, 0)})
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != "acme" || got.Name != "Acme Corp" || !got.CreatedAt.Equal(want) || got.CreatedAt.Location() != time.UTC {
				t.Errorf("CreateAccount = %+v, want acme, Acme Corp, created %v in UTC", got, want.UTC())
			}
			stored, err := s.Account(ctx, "acme")
			if err != nil {
				t.Fatal(err)
			}
			if stored != got {
				t.Errorf("Account = %#v, want %#v", stored, got)
			}
		})

		tests := []struct {
			name    string
			in      Account
			wantErr error
		}{
			{name: "duplicate ID", in: Account{ID: "acme"}, wantErr: ErrConflict},
			{name: "empty ID", in: Account{}, wantErr: ErrInvalid},
			{name: "ID with a slash", in: Account{ID: "a/b"}, wantErr: ErrInvalid},
			{name: "ID starting with a dot", in: Account{ID: ".."}, wantErr: ErrInvalid},
			{name: "ID too long", in: Account{ID: strings.Repeat("x", 129)}, wantErr: ErrInvalid},
			{name: "name with NUL", in: Account{ID: "nul", Name: "a\x00b"}, wantErr: ErrInvalid},
			{name: "name not UTF-8", in: Account{ID: "latin1", Name: "caf\xe9"}, wantErr: ErrInvalid},
			{name: "name too long", in: Account{ID: "long", Name: strings.Repeat("é", 201)}, wantErr: ErrInvalid},
			{name: "longest name", in: Account{ID: "longest", Name: strings.Repeat("é", 200)}},
			{name: "empty name", in: Account{ID: "anonymous"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := s.CreateAccount(ctx, tt.in)
				if tt.wantErr == nil && err != nil {
					t.Fatalf("CreateAccount: %v", err)
				}
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("CreateAccount: error = %v, want %v", err, tt.wantErr)
				}
			})
		}

		t.Run("unknown account", func(t *testing.T) {
			if _, err := s.Account(ctx, "nobody"); !errors.Is(err, ErrNotFound) {
				t.Errorf("Account(nobody): error = %v, want ErrNotFound", err)
			}
		})
	})
}

func TestListAccounts(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		for _, id := range []string{"globex", "acme", "initech", "Zeta", "0day"} {
			mustCreateAccount(t, s, id)
		}
		tests := []struct {
			page    Page
			want    []string
			wantErr error
		}{
			{page: Page{}, want: []string{"0day", "Zeta", "acme", "globex", "initech"}},
			{page: Page{Limit: 2}, want: []string{"0day", "Zeta"}},
			{page: Page{Limit: 2, Offset: 2}, want: []string{"acme", "globex"}},
			{page: Page{Offset: 5}, want: []string{}},
			{page: Page{Limit: -1}, wantErr: ErrInvalid},
		}
		for _, tt := range tests {
			as, err := s.ListAccounts(ctx, tt.page)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("ListAccounts(%+v): error = %v, want %v", tt.page, err, tt.wantErr)
				continue
			}
			if err == nil && !slices.Equal(accountIDs(as), tt.want) {
				t.Errorf("ListAccounts(%+v) = %v, want %v", tt.page, accountIDs(as), tt.want)
			}
		}
	})
}

func TestSubAccounts(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		mustCreateAccount(t, s, "globex")

		creates := []struct {
			name    string
			in      SubAccount
			wantErr error
		}{
			{name: "first", in: SubAccount{AccountID: "acme", ID: "eu", Name: "Europe"}},
			{name: "second", in: SubAccount{AccountID: "acme", ID: "apac"}},
			{name: "duplicate", in: SubAccount{AccountID: "acme", ID: "eu"}, wantErr: ErrConflict},
			{name: "same ID in another account", in: SubAccount{AccountID: "globex", ID: "eu"}},
			{name: "unknown account", in: SubAccount{AccountID: "nobody", ID: "eu"}, wantErr: ErrNotFound},
			{name: "bad ID", in: SubAccount{AccountID: "acme", ID: "e u"}, wantErr: ErrInvalid},
			{name: "empty ID", in: SubAccount{AccountID: "acme"}, wantErr: ErrInvalid},
			{name: "bad name", in: SubAccount{AccountID: "acme", ID: "x", Name: "\xff"}, wantErr: ErrInvalid},
		}
		for _, tt := range creates {
			t.Run("create "+tt.name, func(t *testing.T) {
				got, err := s.CreateSubAccount(ctx, tt.in)
				if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
					t.Fatalf("CreateSubAccount(%+v): error = %v, want %v", tt.in, err, tt.wantErr)
				}
				if err == nil && (got.AccountID != tt.in.AccountID || got.ID != tt.in.ID || got.Name != tt.in.Name ||
					got.CreatedAt.IsZero() || got.CreatedAt.Location() != time.UTC) {
					t.Errorf("CreateSubAccount = %+v, want %+v created now in UTC", got, tt.in)
				}
			})
		}

		list := func(accountID string) []string {
			t.Helper()
			sas, err := s.ListSubAccounts(ctx, accountID, Page{})
			if err != nil {
				t.Fatalf("ListSubAccounts(%s): %v", accountID, err)
			}
			return subAccountIDs(sas)
		}
		if got, want := list("acme"), []string{"apac", "eu"}; !slices.Equal(got, want) {
			t.Errorf("acme's subaccounts = %v, want %v", got, want)
		}
		if got, want := list("nobody"), []string{}; !slices.Equal(got, want) {
			t.Errorf("unknown account's subaccounts = %v, want %v", got, want)
		}
		sas, err := s.ListSubAccounts(ctx, "acme", Page{Limit: 1, Offset: 1})
		if err != nil || !slices.Equal(subAccountIDs(sas), []string{"eu"}) || sas[0].Name != "Europe" {
			t.Errorf("second page of acme's subaccounts = %+v, %v; want eu (Europe)", sas, err)
		}
		if _, err := s.ListSubAccounts(ctx, "acme", Page{Offset: -1}); !errors.Is(err, ErrInvalid) {
			t.Errorf("ListSubAccounts with a negative offset: error = %v, want ErrInvalid", err)
		}

		deletes := []struct {
			name             string
			accountID, id    string
			wantErr          error
			wantAcme, wantGx []string
		}{
			{name: "another account's subaccount ID that acme lacks", accountID: "globex", id: "apac", wantErr: ErrNotFound,
				wantAcme: []string{"apac", "eu"}, wantGx: []string{"eu"}},
			{name: "acme's eu leaves globex's eu", accountID: "acme", id: "eu",
				wantAcme: []string{"apac"}, wantGx: []string{"eu"}},
			{name: "again", accountID: "acme", id: "eu", wantErr: ErrNotFound,
				wantAcme: []string{"apac"}, wantGx: []string{"eu"}},
		}
		for _, tt := range deletes {
			t.Run("delete "+tt.name, func(t *testing.T) {
				err := s.DeleteSubAccount(ctx, tt.accountID, tt.id)
				if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
					t.Fatalf("DeleteSubAccount: error = %v, want %v", err, tt.wantErr)
				}
				if got := list("acme"); !slices.Equal(got, tt.wantAcme) {
					t.Errorf("acme's subaccounts = %v, want %v", got, tt.wantAcme)
				}
				if got := list("globex"); !slices.Equal(got, tt.wantGx) {
					t.Errorf("globex's subaccounts = %v, want %v", got, tt.wantGx)
				}
			})
		}

		t.Run("a deleted ID can be used again", func(t *testing.T) {
			if _, err := s.CreateSubAccount(ctx, SubAccount{AccountID: "acme", ID: "eu"}); err != nil {
				t.Fatal(err)
			}
		})
	})
}
