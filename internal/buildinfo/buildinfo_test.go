package buildinfo

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestFromBuildInfo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		bi       debug.BuildInfo
		want     Info
		wantLine string
		wantTok  string
	}{
		{
			name: "release build from a clean tree",
			bi: debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/firebreak-ir/firebreak", Version: "v1.4.0"},
				Settings: []debug.BuildSetting{
					{Key: "-trimpath", Value: "true"},
					{Key: "vcs", Value: "git"},
					{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
					{Key: "vcs.time", Value: "2026-12-07T10:00:00Z"},
					{Key: "vcs.modified", Value: "false"},
				}},
			want: Info{Version: "v1.4.0", Revision: "0123456789abcdef0123456789abcdef01234567",
				Time: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC), GoVersion: "go1.26.8", Path: "github.com/firebreak-ir/firebreak"},
			wantLine: "v1.4.0 (rev 0123456789ab, 2026-12-07T10:00:00Z, go1.26.8)",
			wantTok:  "v1.4.0",
		},
		{
			name: "local build from a modified tree",
			bi: debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "m", Version: "(devel)"},
				Settings: []debug.BuildSetting{
					{Key: "vcs.revision", Value: "abc"},
					{Key: "vcs.modified", Value: "true"},
				}},
			want:     Info{Version: "(devel)", Revision: "abc", Modified: true, GoVersion: "go1.26.8", Path: "m"},
			wantLine: "(devel) (rev abc, modified, go1.26.8)",
			wantTok:  "devel",
		},
		{
			name:     "no VCS stamp, no version",
			bi:       debug.BuildInfo{GoVersion: "go1.26.8", Settings: []debug.BuildSetting{{Key: "vcs.time", Value: "not a time"}}},
			want:     Info{Version: "(devel)", GoVersion: "go1.26.8"},
			wantLine: "(devel) (go1.26.8)",
			wantTok:  "devel",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := FromBuildInfo(&tt.bi)
			if got != tt.want {
				t.Errorf("FromBuildInfo = %+v, want %+v", got, tt.want)
			}
			if line := got.String(); line != tt.wantLine {
				t.Errorf("String = %q, want %q", line, tt.wantLine)
			}
			if tok := got.Token(); tok != tt.wantTok {
				t.Errorf("Token = %q, want %q", tok, tt.wantTok)
			}
		})
	}
}

func TestReadReportsTheRunningToolchain(t *testing.T) {
	t.Parallel()
	in := Read()
	if in.GoVersion != runtime.Version() {
		t.Errorf("GoVersion = %q, want %q", in.GoVersion, runtime.Version())
	}
	if in.Version == "" {
		t.Error("Version is empty")
	}
}
