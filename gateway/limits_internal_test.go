package gateway

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// TestLimiterTableBound: however many keys come, the table keeps at most
// its bound, and the one forgotten is the one seen least recently.
func TestLimiterTableBound(t *testing.T) {
	now := time.Date(2026, 7, 13, 0, 0, 0, 0, time.UTC)
	table := newLimiterTable(RateLimit{PerSecond: 1, Burst: 1}, 100, func() time.Time { return now })
	for i := range 1000 {
		table.take("hot") // seen all along: never the least recent
		table.take(fmt.Sprintf("key-%d", i))
		if n := table.len(); n > 100 {
			t.Fatalf("after %d keys the table holds %d, more than 100", i+1, n)
		}
	}
	if n := table.len(); n != 100 {
		t.Errorf("the table holds %d keys, want 100", n)
	}
	if wait := table.take("hot"); wait == 0 {
		t.Error("the key used all along was forgotten: its spent budget came back")
	}
	if wait := table.take("key-0"); wait != 0 {
		t.Errorf("key-0, forgotten long ago, waits %v; want a full budget", wait)
	}
}

// TestLimiterTableSpendAndExhausted: failures are spent without being
// refused; exhausted neither spends nor remembers.
func TestLimiterTableSpendAndExhausted(t *testing.T) {
	now := time.Date(2026, 7, 13, 0, 0, 0, 0, time.UTC)
	table := newLimiterTable(RateLimit{PerSecond: 0.5, Burst: 2}, 10, func() time.Time { return now })
	if wait := table.exhausted("192.0.2.1"); wait != 0 || table.len() != 0 {
		t.Fatalf("an unseen address: wait %v, %d keys remembered", wait, table.len())
	}
	table.spend("192.0.2.1")
	table.spend("192.0.2.1")
	if wait := table.exhausted("192.0.2.1"); wait != 2*time.Second {
		t.Errorf("after two failures: wait %v, want 2s (one failure refills every 2 s)", wait)
	}
	now = now.Add(2 * time.Second)
	if wait := table.exhausted("192.0.2.1"); wait != 0 {
		t.Errorf("2 s later: wait %v, want 0", wait)
	}
	off := newLimiterTable(Off, 10, time.Now)
	for range 100 {
		if off.take("k") != 0 {
			t.Fatal("an off limit refused a request")
		}
	}
	if off.len() != 0 {
		t.Errorf("an off limit remembers %d keys", off.len())
	}
}

func TestParseRateLimit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want RateLimit
		str  string
		err  bool
	}{
		{in: "50/s,burst=100", want: RateLimit{PerSecond: 50, Burst: 100}, str: "50/s,burst=100"},
		{in: "10/m", want: RateLimit{PerSecond: 10.0 / 60, Burst: 10}, str: "10/m,burst=10"},
		{in: " 100/s , burst=500 ", want: RateLimit{PerSecond: 100, Burst: 500}, str: "100/s,burst=500"},
		{in: "0.5/s", want: RateLimit{PerSecond: 0.5, Burst: 1}, str: "30/m,burst=1"},
		{in: "3600/h", want: RateLimit{PerSecond: 1, Burst: 3600}, str: "1/s,burst=3600"},
		{in: "off", want: Off, str: "off"},
		{in: "50", err: true},
		{in: "50/d", err: true},
		{in: "-1/s", err: true},
		{in: "0/s", err: true},
		{in: "5/s,burst=0", err: true},
		{in: "5/s,100", err: true},
		{in: "", err: true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseRateLimit(tc.in)
			if tc.err {
				if err == nil {
					t.Fatalf("got %+v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Burst != tc.want.Burst || !(got.PerSecond == tc.want.PerSecond || math.Abs(got.PerSecond-tc.want.PerSecond) < 1e-12) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if got.String() != tc.str {
				t.Errorf("String() = %q, want %q", got.String(), tc.str)
			}
		})
	}
	for name, l := range map[string]RateLimit{"api key": DefaultLimits.APIKey, "hooks": DefaultLimits.Hooks,
		"oauth2": DefaultLimits.OAuth2Callback, "codec": DefaultLimits.CodecSignIn, "auth failures": DefaultLimits.AuthFailures} {
		back, err := ParseRateLimit(l.String())
		if err != nil || back.Burst != l.Burst || math.Abs(back.PerSecond-l.PerSecond) > 1e-12 {
			t.Errorf("the default %s limit %s does not read back: %+v %v", name, l, back, err)
		}
	}
}

func TestAddressKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1":             "192.0.2.1",
		"::ffff:192.0.2.1":      "192.0.2.1",
		"2001:db8:1:2:3:4:5:6":  "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::99": "2001:db8:1:2::/64",
		"":                      "",
	} {
		if got := addressKey(in); got != want {
			t.Errorf("addressKey(%q) = %q, want %q", in, got, want)
		}
	}
}
