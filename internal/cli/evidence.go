package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/evidence"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
)

// evidenceCmd is "firebreak evidence": an incident's evidence and its
// chain of custody, the incident first and a verb after it.
func evidenceCmd(g *globals) *cobra.Command {
	var fileIn evidence.FileInput
	var ext evidence.ExternalInput
	var size int64
	var hashes []string
	var to, purpose, location, reason, authorised, output string
	var asHTML bool
	cmd := &cobra.Command{
		Use:   "evidence REF [add FILE | add-external NAME | show ID | transfer ID | download ID -o FILE | dispose ID | report]",
		Short: "Show or add an incident's evidence, transfer or dispose of it, download files (recorded), print the custody report",
		Example: `  firebreak evidence INC-7
  firebreak evidence INC-7 add ./auth.log --source web-1 --method "scp from the host"
  firebreak evidence INC-7 add-external "Disk image of LAPTOP-7" --sha256 ab12… --hash md5=0f… --size 512110190592 --location "Safe 2"
  firebreak evidence INC-7 transfer EV-2 --to "dave (lab)" --purpose analysis --location "Lab locker 9"
  firebreak evidence INC-7 download EV-1 -o auth.log
  firebreak evidence INC-7 dispose EV-2 --reason "returned to owner" --authorised-by "legal"
  firebreak evidence INC-7 report --html > custody.html`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, rest := args[0], args[1:]
			// This command's -o shadows the global one: it names download's
			// file, and for every other verb it is the output format.
			if (len(rest) == 0 || rest[0] != "download") && output != "" {
				g.output = output
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			var it httpapi.EvidenceItem
			switch {
			case len(rest) == 0:
				items, err := c.Evidence(ctx, ref)
				if err != nil {
					return err
				}
				return g.print(items, func(w io.Writer) {
					if len(items) == 0 {
						fmt.Fprintln(w, "No evidence.")
						return
					}
					tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "ID\tNAME\tKIND\tSIZE\tSHA256\tHOLDER\tLOCATION")
					for _, it := range items {
						name := it.Name
						if it.Disposal != nil {
							name += " (disposed)"
						}
						fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", it.ID, name, it.Kind, it.Size, it.SHA256[:min(16, len(it.SHA256))], it.Holder, it.Location)
					}
					_ = tw.Flush()
				})
			default:
				verb := rest[0]
				switch {
				case verb == "add" && len(rest) == 2:
					f, err := os.Open(rest[1])
					if err != nil {
						return err
					}
					it, err = c.UploadEvidence(ctx, ref, fileIn, filepath.Base(rest[1]), f)
					_ = f.Close() // only read: its close says nothing the upload did not
					if err != nil {
						return err
					}
				case verb == "add-external" && len(rest) == 2:
					ext.Name = rest[1]
					if cmd.Flags().Changed("size") {
						ext.Size = &size
					}
					for _, h := range hashes {
						alg, v, ok := strings.Cut(h, "=")
						if !ok {
							return usage("--hash wants ALGORITHM=HEX, like md5=0f…")
						}
						if ext.Hashes == nil {
							ext.Hashes = map[string]string{}
						}
						ext.Hashes[alg] = v
					}
					ext.Acquisition = fileIn.Acquisition
					ext.Description = fileIn.Description
					if it, err = c.AddExternalEvidence(ctx, ref, ext); err != nil {
						return err
					}
				case verb == "show" && len(rest) == 2:
					h, err := c.EvidenceItem(ctx, ref, rest[1])
					if err != nil {
						return err
					}
					return g.print(h, func(w io.Writer) { printHistory(w, h) })
				case verb == "transfer" && len(rest) == 2:
					if it, err = c.TransferEvidence(ctx, ref, rest[1], evidence.TransferInput{To: to, Purpose: purpose, Location: location}); err != nil {
						return err
					}
				case verb == "dispose" && len(rest) == 2:
					if it, err = c.DisposeEvidence(ctx, ref, rest[1], evidence.DisposeInput{Reason: reason, AuthorisedBy: authorised}); err != nil {
						return err
					}
				case verb == "download" && len(rest) == 2:
					return downloadEvidence(cmd, g, ref, rest[1], output)
				case verb == "report" && len(rest) == 1:
					r, err := c.CustodyReport(ctx, ref)
					if err != nil {
						return err
					}
					if asHTML {
						return reportOf(r).WriteHTML(g.env.Stdout)
					}
					return g.print(r, func(w io.Writer) {
						fmt.Fprintf(w, "Chain of custody — %s: %s (generated %s)\n", r.Ref, r.Title, r.GeneratedAt.UTC().Format(time.RFC3339))
						for _, h := range r.Items {
							fmt.Fprintln(w)
							printHistory(w, h)
						}
						fmt.Fprintf(w, "\nThe chain ends at event #%d, hash %s.\n", r.LastSeq, r.LastHash)
					})
				default:
					return usage("want: evidence REF, or evidence REF add FILE | add-external NAME | show ID | transfer ID | download ID -o FILE | dispose ID | report")
				}
			}
			return g.print(it, func(w io.Writer) {
				fmt.Fprintf(w, "%s %s (%s): sha256 %s, %d bytes, held by %s at %s%s\n", ref, it.ID, it.Name, it.SHA256, it.Size, it.Holder, it.Location, disposedText(it))
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&fileIn.Name, "name", "", "add: the item's name (default the file's)")
	fl.StringVar(&fileIn.Description, "description", "", "add, add-external: what it is")
	fl.StringVar(&fileIn.Acquisition.Source, "source", "", "add, add-external: the asset it came from")
	fl.StringVar(&fileIn.Acquisition.Method, "method", "", "add, add-external: how it was acquired")
	fl.StringVar(&fileIn.Acquisition.By, "acquired-by", "", "add, add-external: who acquired it (default you)")
	fl.StringVar(&ext.SHA256, "sha256", "", "add-external: its SHA-256")
	fl.StringArrayVar(&hashes, "hash", nil, "add-external: another digest, ALGORITHM=HEX (md5, sha1, sha512…); repeatable")
	fl.Int64Var(&size, "size", 0, "add-external: its size in bytes")
	fl.StringVar(&ext.Holder, "holder", "", "add-external: who holds it (default you)")
	fl.StringVar(&location, "location", "", "add-external, transfer: where it is kept")
	fl.StringVar(&to, "to", "", "transfer: the new holder")
	fl.StringVar(&purpose, "purpose", "", "transfer: why")
	fl.StringVar(&reason, "reason", "", "dispose: why")
	fl.StringVar(&authorised, "authorised-by", "", "dispose: who authorised it")
	fl.StringVarP(&output, "output", "o", "", "download: the file to write (- for standard output)")
	fl.BoolVar(&asHTML, "html", false, "report: a printable HTML page")
	cmd.PreRun = func(*cobra.Command, []string) { ext.Location = location }
	return cmd
}

func disposedText(it httpapi.EvidenceItem) string {
	if d := it.Disposal; d != nil {
		return fmt.Sprintf("; disposed of (%s, authorised by %s)", d.Reason, d.AuthorisedBy)
	}
	return ""
}

func printHistory(w io.Writer, h httpapi.EvidenceHistory) {
	it := h.Item
	fmt.Fprintf(w, "%s %s (%s): sha256 %s, %d bytes, held by %s at %s%s\n", it.ID, it.Name, it.Kind, it.SHA256, it.Size, it.Holder, it.Location, disposedText(it))
	for _, c := range h.Custody {
		fmt.Fprintf(w, "  #%d %s %s: %s\n", c.Seq, c.At.UTC().Format("2006-01-02 15:04:05Z"), c.Actor, c.Detail)
	}
}

// reportOf is the API's report as the evidence package renders it.
func reportOf(r httpapi.CustodyReport) evidence.Report {
	out := evidence.Report{Ref: r.Ref, Title: r.Title, GeneratedAt: r.GeneratedAt, LastSeq: r.LastSeq, LastHash: r.LastHash}
	for _, h := range r.Items {
		out.Items = append(out.Items, evidence.History{Item: evidence.Item(h.Item), Custody: h.Custody})
	}
	return out
}

// downloadEvidence writes a file to -o; a partial file is removed.
func downloadEvidence(cmd *cobra.Command, g *globals, ref, id, output string) (err error) {
	if output == "" {
		return usage("-o FILE is required (- for standard output)")
	}
	c, err := g.client()
	if err != nil {
		return err
	}
	if output == "-" {
		_, err = c.DownloadEvidence(cmd.Context(), ref, id, g.env.Stdout)
		return err
	}
	f, err := os.OpenFile(output, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	n, err := c.DownloadEvidence(cmd.Context(), ref, id, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(output)
		return err
	}
	fmt.Fprintf(g.env.Stderr, "Wrote %d bytes to %s; the download is recorded on %s.\n", n, output, ref)
	return nil
}
