package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// manualClock is a clock that moves only when told to.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// keyFormat is the documented shape of a key: "jk_", 8 lowercase base32hex characters, "_", 32
// base62 characters.
var keyFormat = regexp.MustCompile(`^jk_[0-9a-v]{8}_[0-9A-Za-z]{32}$`)

func mustCreateKey(t *testing.T, s *Store, accountID, name string, scopes ...string) (APIKey, string) {
	t.Helper()
	k, key, err := s.CreateAPIKey(context.Background(), accountID, name, scopes)
	if err != nil {
		t.Fatalf("CreateAPIKey(%s, %s): %v", accountID, name, err)
	}
	return k, key
}

func mustAuthenticate(t *testing.T, s *Store, key string) APIKey {
	t.Helper()
	k, err := s.AuthenticateAPIKey(context.Background(), key)
	if err != nil {
		t.Fatalf("AuthenticateAPIKey: %v", err)
	}
	return k
}

// assertNoSuchKey fails unless err is the one error AuthenticateAPIKey gives for every rejected
// key, and it does not contain the key or its secret.
func assertNoSuchKey(t *testing.T, err error, key string) {
	t.Helper()
	if !errors.Is(err, ErrNotFound) || err.Error() != errNoSuchKey.Error() {
		t.Errorf("AuthenticateAPIKey: error = %v, want %v", err, errNoSuchKey)
	}
	if err != nil && key != "" && len(key) > keyPrefixLen+1 && strings.Contains(err.Error(), key[keyPrefixLen+1:]) {
		t.Errorf("error %q contains the secret", err)
	}
}

func keyIDs(ks []APIKey) []string { return pluck(ks, func(k APIKey) string { return k.ID }) }

func TestCreateAPIKey(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, clock := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")

		tests := []struct {
			name       string
			accountID  string
			keyName    string
			scopes     []string
			wantScopes []string
			wantErr    error
		}{
			{name: "no scopes means admin", accountID: "acme", keyName: "ci", wantScopes: []string{ScopeAdmin}},
			{name: "empty scopes means admin", accountID: "acme", scopes: []string{}, wantScopes: []string{ScopeAdmin}},
			{name: "one scope", accountID: "acme", keyName: "dashboards", scopes: []string{ScopeRead}, wantScopes: []string{ScopeRead}},
			{name: "sorted, duplicates dropped", accountID: "acme", scopes: []string{ScopeRuns, ScopeRead, ScopeRuns},
				wantScopes: []string{ScopeRead, ScopeRuns}},
			{name: "all", accountID: "acme", scopes: []string{ScopeAdmin, ScopeRuns, ScopeRead},
				wantScopes: []string{ScopeAdmin, ScopeRead, ScopeRuns}},
			{name: "unknown scope", accountID: "acme", scopes: []string{ScopeRead, "write"}, wantErr: ErrInvalid},
			{name: "scopes are case-sensitive", accountID: "acme", scopes: []string{"Admin"}, wantErr: ErrInvalid},
			{name: "empty scope", accountID: "acme", scopes: []string{""}, wantErr: ErrInvalid},
			{name: "bad name", accountID: "acme", keyName: "a\x00", wantErr: ErrInvalid},
			{name: "unknown account", accountID: "nobody", wantErr: ErrNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				want := clock.t.Add(time.Second + time.Nanosecond) // the next tick
				k, key, err := s.CreateAPIKey(ctx, tt.accountID, tt.keyName, tt.scopes)
				if tt.wantErr != nil {
					if !errors.Is(err, tt.wantErr) {
						t.Errorf("CreateAPIKey: error = %v, want %v", err, tt.wantErr)
					}
					if key != "" {
						t.Errorf("CreateAPIKey returned key %q with an error", key)
					}
					return
				}
				if err != nil {
					t.Fatalf("CreateAPIKey: %v", err)
				}
				if !keyFormat.MatchString(key) {
					t.Errorf("key %q does not match %v", key, keyFormat)
				}
				if k.Prefix != key[:keyPrefixLen] || !strings.HasPrefix(k.ID, "key_") || len(k.ID) != len("key_")+16 {
					t.Errorf("ID %q, prefix %q for key %q; want key_ + 16 characters and the key's first %d characters",
						k.ID, k.Prefix, key, keyPrefixLen)
				}
				if k.AccountID != tt.accountID || k.Name != tt.keyName || !slices.Equal(k.Scopes, tt.wantScopes) {
					t.Errorf("key = %+v, want account %s, name %q, scopes %v", k, tt.accountID, tt.keyName, tt.wantScopes)
				}
				if !k.CreatedAt.Equal(want) || k.CreatedAt.Location() != time.UTC || k.LastUsedAt != nil || k.RevokedAt != nil {
					t.Errorf("key = %+v, want created %v in UTC, never used, not revoked", k, want.UTC())
				}
				stored, err := s.APIKey(ctx, tt.accountID, k.ID)
				if err != nil {
					t.Fatal(err)
				}
				assertSameKey(t, stored, k)
				authed := mustAuthenticate(t, s, key)
				if authed.ID != k.ID || authed.AccountID != tt.accountID || !slices.Equal(authed.Scopes, tt.wantScopes) {
					t.Errorf("AuthenticateAPIKey = %+v, want key %s of %s with scopes %v", authed, k.ID, tt.accountID, tt.wantScopes)
				}
			})
		}

		t.Run("keys and prefixes are distinct", func(t *testing.T) {
			seen := map[string]bool{}
			for range 50 {
				k, key := mustCreateKey(t, s, "acme", "many")
				for _, v := range []string{k.ID, k.Prefix, key} {
					if seen[v] {
						t.Fatalf("%q generated twice", v)
					}
					seen[v] = true
				}
			}
		})
	})
}

// assertSameKey compares two records field by field, times with Equal.
func assertSameKey(t *testing.T, got, want APIKey) {
	t.Helper()
	timeEq := func(a, b *time.Time) bool { return a == nil && b == nil || a != nil && b != nil && a.Equal(*b) }
	if got.ID != want.ID || got.AccountID != want.AccountID || got.Name != want.Name || got.Prefix != want.Prefix ||
		!slices.Equal(got.Scopes, want.Scopes) || !got.CreatedAt.Equal(want.CreatedAt) ||
		!timeEq(got.LastUsedAt, want.LastUsedAt) || !timeEq(got.RevokedAt, want.RevokedAt) {
		t.Errorf("key = %+v\nwant %+v", got, want)
	}
}

func TestAuthenticateAPIKey(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		k, key := mustCreateKey(t, s, "acme", "good", ScopeRuns)
		revoked, revokedKey := mustCreateKey(t, s, "acme", "revoked")
		if err := s.RevokeAPIKey(ctx, "acme", revoked.ID); err != nil {
			t.Fatal(err)
		}
		_, other := mustCreateKey(t, s, "acme", "other")
		secret := key[keyPrefixLen+1:]

		// flip changes the last character of the secret, keeping the key well-formed.
		flip := func(key string) string {
			last := key[len(key)-1]
			repl := byte('a')
			if last == 'a' {
				repl = 'b'
			}
			return key[:len(key)-1] + string(repl)
		}
		tests := []struct {
			name string
			key  string
			ok   bool
		}{
			{name: "right key", key: key, ok: true},
			{name: "wrong secret, same prefix", key: flip(key)},
			{name: "another key's secret with this prefix", key: k.Prefix + other[keyPrefixLen:]},
			{name: "unknown prefix", key: "jk_00000000_" + secret},
			{name: "revoked", key: revokedKey},
			{name: "empty", key: ""},
			{name: "prefix only", key: k.Prefix},
			{name: "prefix and underscore", key: k.Prefix + "_"},
			{name: "Bearer included", key: "Bearer " + key},
			{name: "trailing newline", key: key + "\n"},
			{name: "leading space", key: " " + key},
			{name: "uppercase prefix", key: strings.ToUpper(key[:keyPrefixLen]) + key[keyPrefixLen:]},
			{name: "other tag", key: "sk" + key[2:]},
			{name: "short secret", key: key[:len(key)-1]},
			{name: "longer secret", key: key + "A"},
			{name: "secret with a dash", key: key[:len(key)-1] + "-"},
			{name: "no separator", key: k.Prefix + "x" + secret},
			{name: "huge", key: key + strings.Repeat("A", 1<<20)},
			{name: "hash instead of key", key: hashKey(key)},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.AuthenticateAPIKey(ctx, tt.key)
				if !tt.ok {
					assertNoSuchKey(t, err, tt.key)
					if got.ID != "" {
						t.Errorf("AuthenticateAPIKey returned %+v with an error", got)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if got.ID != k.ID || !slices.Equal(got.Scopes, []string{ScopeRuns}) {
					t.Errorf("AuthenticateAPIKey = %+v, want %s with scopes [runs]", got, k.ID)
				}
			})
		}
	})
}

func TestAPIKeyLastUsed(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s := openStore(t, url)
		clock := &manualClock{t: time.Date(2030, 1, 2, 3, 4, 5, 123456789, time.FixedZone("UTC-3", -3*3600))}
		s.now = clock.Now
		mustCreateAccount(t, s, "acme")
		k, key := mustCreateKey(t, s, "acme", "ci")

		t0 := clock.Now().UTC()
		steps := []struct {
			name    string
			advance time.Duration
			want    time.Time // LastUsedAt returned and stored afterwards
		}{
			{name: "first use is recorded", advance: 0, want: t0},
			{name: "a second later, not rewritten", advance: time.Second, want: t0},
			{name: "59.999s later, not rewritten", advance: time.Minute - time.Second - time.Millisecond, want: t0},
			{name: "a minute later, rewritten", advance: time.Millisecond, want: t0.Add(time.Minute)},
			{name: "30s later, not rewritten", advance: 30 * time.Second, want: t0.Add(time.Minute)},
			{name: "an hour later, rewritten", advance: time.Hour, want: t0.Add(time.Hour + time.Minute + 30*time.Second)},
		}
		for _, st := range steps {
			clock.Advance(st.advance)
			got := mustAuthenticate(t, s, key)
			if got.LastUsedAt == nil || !got.LastUsedAt.Equal(st.want) || got.LastUsedAt.Location() != time.UTC {
				t.Errorf("%s: authenticated LastUsedAt = %v, want %v in UTC", st.name, got.LastUsedAt, st.want)
			}
			stored, err := s.APIKey(ctx, "acme", k.ID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.LastUsedAt == nil || !stored.LastUsedAt.Equal(st.want) {
				t.Errorf("%s: stored LastUsedAt = %v, want %v", st.name, stored.LastUsedAt, st.want)
			}
		}

		t.Run("concurrent first uses write once and all succeed", func(t *testing.T) {
			_, key := mustCreateKey(t, s, "acme", "busy")
			var wg sync.WaitGroup
			errs := make(chan error, 20)
			for range 20 {
				wg.Go(func() {
					_, err := s.AuthenticateAPIKey(ctx, key)
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Errorf("AuthenticateAPIKey: %v", err)
				}
			}
		})
	})
}

func TestRevokeAPIKey(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, clock := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		k, key := mustCreateKey(t, s, "acme", "ci")
		mustAuthenticate(t, s, key)

		want := clock.t.Add(time.Second + time.Nanosecond).UTC() // the next tick
		if err := s.RevokeAPIKey(ctx, "acme", k.ID); err != nil {
			t.Fatal(err)
		}
		_, err := s.AuthenticateAPIKey(ctx, key)
		assertNoSuchKey(t, err, key)
		if err := s.RevokeAPIKey(ctx, "acme", k.ID); err != nil {
			t.Errorf("revoking twice: %v", err)
		}
		stored, err := s.APIKey(ctx, "acme", k.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.RevokedAt == nil || !stored.RevokedAt.Equal(want) || stored.RevokedAt.Location() != time.UTC {
			t.Errorf("RevokedAt = %v, want the first revocation, %v, in UTC", stored.RevokedAt, want)
		}
		if err := s.RevokeAPIKey(ctx, "acme", "key_nosuchkey"); !errors.Is(err, ErrNotFound) {
			t.Errorf("revoking an unknown key: error = %v, want ErrNotFound", err)
		}
	})
}

func TestRotateAPIKey(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		old, oldKey := mustCreateKey(t, s, "acme", "deploy bot", ScopeRuns, ScopeRead)

		k, key, err := s.RotateAPIKey(ctx, "acme", old.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !keyFormat.MatchString(key) || key == oldKey || k.ID == old.ID || k.Prefix == old.Prefix || k.Prefix != key[:keyPrefixLen] {
			t.Errorf("rotated to %+v with key %q; want a new, well-formed key, ID and prefix", k, key)
		}
		if k.AccountID != "acme" || k.Name != old.Name || !slices.Equal(k.Scopes, old.Scopes) || k.RevokedAt != nil ||
			!k.CreatedAt.After(old.CreatedAt) {
			t.Errorf("rotated key = %+v, want acme's, named %q, scopes %v, created after %v, not revoked",
				k, old.Name, old.Scopes, old.CreatedAt)
		}
		_, err = s.AuthenticateAPIKey(ctx, oldKey)
		assertNoSuchKey(t, err, oldKey)
		if got := mustAuthenticate(t, s, key); got.ID != k.ID {
			t.Errorf("new key authenticates as %s, want %s", got.ID, k.ID)
		}
		stored, err := s.APIKey(ctx, "acme", old.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.RevokedAt == nil || !stored.RevokedAt.Equal(k.CreatedAt) {
			t.Errorf("old key RevokedAt = %v, want %v (the rotation)", stored.RevokedAt, k.CreatedAt)
		}
		ks, err := s.ListAPIKeys(ctx, "acme", Page{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := keyIDs(ks), []string{k.ID, old.ID}; !slices.Equal(got, want) {
			t.Errorf("keys after rotation = %v, want %v (new first, old kept)", got, want)
		}

		errTests := []struct {
			name      string
			accountID string
			keyID     string
			wantErr   error
		}{
			{name: "the revoked old key again", accountID: "acme", keyID: old.ID, wantErr: ErrConflict},
			{name: "unknown key", accountID: "acme", keyID: "key_nosuchkey", wantErr: ErrNotFound},
			{name: "another account", accountID: "globex", keyID: k.ID, wantErr: ErrNotFound},
		}
		for _, tt := range errTests {
			t.Run(tt.name, func(t *testing.T) {
				got, key, err := s.RotateAPIKey(ctx, tt.accountID, tt.keyID)
				if !errors.Is(err, tt.wantErr) || key != "" || got.ID != "" {
					t.Errorf("RotateAPIKey = %+v, %q, %v; want error %v", got, key, err, tt.wantErr)
				}
			})
		}
		mustAuthenticate(t, s, key) // untouched by the failed rotations

		t.Run("concurrent rotations: one wins", func(t *testing.T) {
			orig, _ := mustCreateKey(t, s, "acme", "contested")
			const n = 8
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for range n {
				wg.Go(func() {
					_, _, err := s.RotateAPIKey(ctx, "acme", orig.ID)
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			wins := 0
			for err := range errs {
				switch {
				case err == nil:
					wins++
				case !errors.Is(err, ErrConflict):
					t.Errorf("RotateAPIKey: %v, want nil or ErrConflict", err)
				}
			}
			if wins != 1 {
				t.Errorf("%d rotations succeeded, want 1", wins)
			}
			ks, err := s.ListAPIKeys(ctx, "acme", Page{})
			if err != nil {
				t.Fatal(err)
			}
			named := 0
			for _, k := range ks {
				if k.Name == "contested" {
					named++
				}
			}
			if named != 2 {
				t.Errorf("%d keys named contested, want 2 (the original and one successor)", named)
			}
		})
	})
}

func TestAPIKeyAccountIsolation(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		mustCreateAccount(t, s, "globex")
		a, aKey := mustCreateKey(t, s, "acme", "acme's")
		b, _ := mustCreateKey(t, s, "globex", "globex's")

		ops := []struct {
			name string
			op   func() error
		}{
			{name: "get", op: func() error { _, err := s.APIKey(ctx, "globex", a.ID); return err }},
			{name: "revoke", op: func() error { return s.RevokeAPIKey(ctx, "globex", a.ID) }},
			{name: "rotate", op: func() error { _, _, err := s.RotateAPIKey(ctx, "globex", a.ID); return err }},
		}
		for _, tt := range ops {
			t.Run(tt.name, func(t *testing.T) {
				if err := tt.op(); !errors.Is(err, ErrNotFound) {
					t.Errorf("globex %s acme's key: error = %v, want ErrNotFound", tt.name, err)
				}
			})
		}
		if got := mustAuthenticate(t, s, aKey); got.ID != a.ID || got.AccountID != "acme" || got.RevokedAt != nil {
			t.Errorf("acme's key after globex's attempts = %+v, want it intact", got)
		}
		for _, acct := range []struct {
			id   string
			want []string
		}{{"acme", []string{a.ID}}, {"globex", []string{b.ID}}, {"nobody", []string{}}} {
			ks, err := s.ListAPIKeys(ctx, acct.id, Page{})
			if err != nil {
				t.Fatal(err)
			}
			if got := keyIDs(ks); !slices.Equal(got, acct.want) {
				t.Errorf("ListAPIKeys(%s) = %v, want %v", acct.id, got, acct.want)
			}
		}
	})
}

func TestListAPIKeys(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		var ids []string
		for _, name := range []string{"one", "two", "three", "four"} {
			k, _ := mustCreateKey(t, s, "acme", name)
			ids = append([]string{k.ID}, ids...) // newest first
		}
		if err := s.RevokeAPIKey(ctx, "acme", ids[1]); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			page    Page
			want    []string
			wantErr error
		}{
			{page: Page{}, want: ids},
			{page: Page{Limit: 2}, want: ids[:2]},
			{page: Page{Limit: 2, Offset: 3}, want: ids[3:]},
			{page: Page{Offset: 4}, want: []string{}},
			{page: Page{Limit: -1}, wantErr: ErrInvalid},
		}
		for _, tt := range tests {
			ks, err := s.ListAPIKeys(ctx, "acme", tt.page)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("ListAPIKeys(%+v): error = %v, want %v", tt.page, err, tt.wantErr)
				continue
			}
			if err == nil && !slices.Equal(keyIDs(ks), tt.want) {
				t.Errorf("ListAPIKeys(%+v) = %v, want %v", tt.page, keyIDs(ks), tt.want)
			}
		}
		ks, err := s.ListAPIKeys(ctx, "acme", Page{})
		if err != nil {
			t.Fatal(err)
		}
		if ks[1].RevokedAt == nil || ks[0].RevokedAt != nil || ks[0].Name != "four" || !slices.Equal(ks[0].Scopes, []string{ScopeAdmin}) {
			t.Errorf("ListAPIKeys = %+v; want four first, admin, and three revoked", ks)
		}
	})
}

// TestAPIKeySecretNotStored reads back every column of every row of the tables this feature
// writes and checks that no key, nor the secret part of one, is in any of them.
func TestAPIKeySecretNotStored(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		k1, key1 := mustCreateKey(t, s, "acme", "first")
		_, key2, err := s.RotateAPIKey(ctx, "acme", k1.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, key3 := mustCreateKey(t, s, "acme", "third", ScopeRead)
		mustAuthenticate(t, s, key3)
		keys := []string{key1, key2, key3}

		var hashes []string
		for _, table := range []string{"accounts", "sub_accounts", "api_keys"} {
			for _, row := range rawRows(t, s, table) {
				for col, v := range row {
					for _, key := range keys {
						if strings.Contains(v, key[keyPrefixLen+1:]) {
							t.Errorf("%s.%s = %q contains the secret of key %s", table, col, v, key[:keyPrefixLen])
						}
					}
					if table == "api_keys" && col == "key_sha256" {
						hashes = append(hashes, v)
					}
				}
			}
		}
		// What is stored is the hash, so the store can check a key without holding it.
		for _, key := range keys {
			sum := sha256.Sum256([]byte(key))
			if !slices.Contains(hashes, hex.EncodeToString(sum[:])) {
				t.Errorf("no stored hash for key %s", key[:keyPrefixLen])
			}
		}
	})
}

// rawRows returns every row of table as column name → text value ("" for NULL).
func rawRows(t *testing.T, s *Store, table string) []map[string]string {
	t.Helper()
	rows, err := s.db.QueryContext(context.Background(), "SELECT * FROM "+table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := map[string]string{}
		for i, c := range cols {
			row[c] = vals[i].String
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRandomBase62(t *testing.T) {
	seen := map[byte]bool{}
	for range 200 {
		s := randomBase62(keySecretLen)
		if len(s) != keySecretLen {
			t.Fatalf("len(%q) = %d, want %d", s, len(s), keySecretLen)
		}
		for i := range len(s) {
			if strings.IndexByte(base62Alphabet, s[i]) < 0 {
				t.Fatalf("%q has %q, not base62", s, s[i])
			}
			seen[s[i]] = true
		}
	}
	// 6400 draws from 62 characters: every one appears (the chance one is missing is ~1e-42).
	if len(seen) != 62 {
		t.Errorf("%d distinct characters in 6400 draws, want 62", len(seen))
	}
}

func FuzzParseKey(f *testing.F) {
	f.Add("jk_4f9a2c1e_6QxW0bZ1yLr9kP3mT8vN2cJ5hD7gF4sA")
	f.Add("jk_")
	f.Add("")
	f.Fuzz(func(t *testing.T, key string) {
		prefix, ok := parseKey(key)
		if !ok {
			return
		}
		if !strings.HasPrefix(key, prefix) || len(prefix) != keyPrefixLen || len(key) > maxKeyLen ||
			!regexp.MustCompile(`^jk_[0-9a-v]{8}_[0-9A-Za-z]{32,}$`).MatchString(key) {
			t.Errorf("parseKey(%q) = %q, true; want false", key, prefix)
		}
	})
}
