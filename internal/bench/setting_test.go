package bench

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseSetting(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Setting
		wantErr string
	}{
		{in: "GOGC=400", want: Setting{Name: "GOGC=400", Env: []string{"GOGC=400"}}},
		{in: "  GOMAXPROCS=1   GOMEMLIMIT=512MiB ", want: Setting{Name: "GOMAXPROCS=1 GOMEMLIMIT=512MiB", Env: []string{"GOMAXPROCS=1", "GOMEMLIMIT=512MiB"}}},
		{in: "-sqlite-shards=4 GOGC=off", want: Setting{Name: "-sqlite-shards=4 GOGC=off", Env: []string{"GOGC=off"}, Args: []string{"-sqlite-shards=4"}}},
		{in: "hog=1", want: Setting{Name: "hog=1", Hogs: 1}},
		{in: "hog=0", wantErr: "from 1 to 64"},
		{in: "hog=two", wantErr: "from 1 to 64"},
		{in: "gogc=400", wantErr: "neither NAME=value"},
		{in: "sqlite-shards", wantErr: "neither NAME=value"},
		{in: "   ", wantErr: "empty setting"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseSetting(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseSetting(%q) = %+v, %v; want an error with %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ParseSetting(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestSettingFileSuffix(t *testing.T) {
	for in, want := range map[string]string{
		"":                          "",
		"GOGC=400":                  "-GOGC_400",
		"GOGC=400 -sqlite-shards=4": "-GOGC_400_-sqlite-shards_4",
	} {
		if got := settingFileSuffix(Setting{Name: in}); got != want {
			t.Errorf("settingFileSuffix(%q) = %q, want %q", in, got, want)
		}
	}
}
