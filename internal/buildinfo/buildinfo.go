// Package buildinfo reads what the Go toolchain stamped into the binary:
// the module version, the VCS revision and time, whether the tree was
// modified, and the Go version. The CLI's version command and the
// firebreak_build_info metric both report it, so they never disagree.
package buildinfo

import (
	"fmt"
	"runtime/debug"
	"strings"
	"time"
)

// Info is the build's identity. Fields the toolchain did not record are
// empty: a `go test` binary has no VCS stamp, `go run` reports version
// "(devel)".
type Info struct {
	Version   string    `json:"version"`            // module version, "(devel)" for a local build
	Revision  string    `json:"revision,omitempty"` // vcs.revision
	Time      time.Time `json:"time,omitzero"`      // vcs.time
	Modified  bool      `json:"modified"`           // vcs.modified: built from a dirty tree
	GoVersion string    `json:"go_version"`         // the toolchain that built it
	Path      string    `json:"path,omitempty"`     // the main module's path
}

// Read returns the running binary's build information.
func Read() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		// Only a binary built without module support lacks build info.
		return Info{Version: "unknown"}
	}
	return FromBuildInfo(bi)
}

// FromBuildInfo extracts Info from bi; separate from Read so it can be
// tested with any build info.
func FromBuildInfo(bi *debug.BuildInfo) Info {
	in := Info{Version: bi.Main.Version, GoVersion: bi.GoVersion, Path: bi.Main.Path}
	if in.Version == "" {
		in.Version = "(devel)"
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			in.Revision = s.Value
		case "vcs.time":
			// RFC 3339 as the go command writes it; an unparsable one is dropped, not invented.
			if t, err := time.Parse(time.RFC3339, s.Value); err == nil {
				in.Time = t.UTC()
			}
		case "vcs.modified":
			in.Modified = s.Value == "true"
		}
	}
	return in
}

// Token is the version as an HTTP product version (RFC 9110 §10.1.5),
// for User-Agent headers: "(devel)" is not a token, so it becomes "devel".
func (in Info) Token() string {
	v := strings.Trim(in.Version, "()")
	if v == "" {
		return "unknown"
	}
	return v
}

// ShortRevision is the first 12 characters of the revision, as git shows
// it, or "" when none was recorded.
func (in Info) ShortRevision() string {
	if len(in.Revision) > 12 {
		return in.Revision[:12]
	}
	return in.Revision
}

// String is one line: "v1.2.3 (rev 0123456789ab, 2026-12-07T10:00:00Z, modified, go1.25.0)".
func (in Info) String() string {
	s := in.Version
	details := ""
	if in.Revision != "" {
		details = "rev " + in.ShortRevision()
		if !in.Time.IsZero() {
			details += ", " + in.Time.Format(time.RFC3339)
		}
		if in.Modified {
			details += ", modified"
		}
		details += ", "
	}
	details += in.GoVersion
	return fmt.Sprintf("%s (%s)", s, details)
}
