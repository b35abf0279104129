package cli

import (
	"testing"

	"github.com/spf13/cobra"
)

// TestPprofEnabled: --pprof wins over $FIREBREAK_PPROF, which is read as a
// boolean; anything else is refused rather than taken as off.
func TestPprofEnabled(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, flag, env string
		want, err       bool
	}{
		{name: "default off"},
		{name: "flag on", flag: "true", want: true},
		{name: "env on", env: "1", want: true},
		{name: "env true", env: "true", want: true},
		{name: "env off", env: "false"},
		{name: "flag off wins over env", flag: "false", env: "true"},
		{name: "env not a boolean", env: "yes please", err: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var on bool
			cmd := &cobra.Command{}
			cmd.Flags().BoolVar(&on, "pprof", false, "")
			if tc.flag != "" {
				if err := cmd.Flags().Set("pprof", tc.flag); err != nil {
					t.Fatal(err)
				}
			}
			got, err := pprofEnabled(cmd, on, func(k string) string {
				if k == "FIREBREAK_PPROF" {
					return tc.env
				}
				return ""
			})
			if (err != nil) != tc.err || got != tc.want {
				t.Errorf("pprofEnabled: %v, %v; want %v, error %v", got, err, tc.want, tc.err)
			}
		})
	}
}
