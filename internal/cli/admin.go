package cli

import (
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/buildinfo"
)

func migrateCmd(g *globals) *cobra.Command {
	var f dbFlags
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database migrations (serve does this at start too)", Example: `  firebreak migrate --data-dir /var/lib/firebreak
  firebreak migrate --db postgres://firebreak@db.internal/firebreak`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			log := slog.New(slog.NewTextHandler(g.env.Stderr, nil))
			db, err := f.open(cmd.Context(), g, log)
			if err != nil {
				return err
			}
			defer closeDB(db, &err)
			fmt.Fprintf(g.env.Stdout, "The %s database is up to date.\n", db.Backend())
			return nil
		},
	}
	f.add(cmd, g)
	return cmd
}

func versionCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, VCS revision and Go version this binary was built from",
		Long: `Print what the Go toolchain stamped into the binary: the module version (a tag such
as v1.4.0, a pseudo-version for an untagged commit, or (devel)), the VCS revision and
its time, whether the tree had uncommitted changes, and the Go version. The server
reports the same as the firebreak_build_info metric.`,
		Example: `  firebreak version
  firebreak version -o json | jq -r .revision
  firebreak --version`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in := buildinfo.Read()
			return g.print(in, func(w io.Writer) {
				t := tab(w)
				row := func(k, v string) { fmt.Fprintf(t, "%s\t%s\n", k, v) }
				row("Version", in.Version)
				row("Revision", dash(in.Revision))
				if in.Time.IsZero() {
					row("Committed", "-")
				} else {
					row("Committed", in.Time.Format(time.RFC3339))
				}
				row("Modified", strconv.FormatBool(in.Modified))
				row("Go", in.GoVersion)
				row("Platform", runtime.GOOS+"/"+runtime.GOARCH)
				t.Flush()
			})
		},
	}
}
