package app

import "github.com/firebreak-ir/firebreak/internal/httpapi"

// pprofPaths are the root paths the API serves for serve --pprof: none
// when it is off, so /debug/pprof/ is not found at all.
func pprofPaths(on bool) []string {
	if !on {
		return nil
	}
	return []string{httpapi.PprofPrefix}
}
