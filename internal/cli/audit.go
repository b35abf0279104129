package cli

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/audit"
	"github.com/firebreak-ir/firebreak/internal/config"
	"github.com/firebreak-ir/firebreak/internal/evidence"
	"github.com/firebreak-ir/firebreak/internal/store"
)

// auditFlags locate the checkpoint key and file; serve and the audit
// commands resolve them the same way.
type auditFlags struct {
	policy  string
	keyFile string
	file    string
}

func (f *auditFlags) add(cmd *cobra.Command, withPolicy bool) {
	if withPolicy {
		cmd.Flags().StringVar(&f.policy, "policy", "", "the server's YAML policy file, for its audit: settings (default $FIREBREAK_POLICY)")
	}
	cmd.Flags().StringVar(&f.keyFile, "key-file", "", "checkpoint signing key (default $FIREBREAK_AUDIT_KEY, audit.key_file in the policy file, or audit-key.pem in the data directory)")
}

// auditSettings resolves the audit settings: flags, then the environment,
// then the policy file's audit: section, then files in the data directory
// (the SQLite file's directory, or --data-dir for PostgreSQL).
func auditSettings(g *globals, db *dbFlags, f *auditFlags, file *config.AuditFile) app.AuditConfig {
	dir := dataDir(g, db)
	if file == nil {
		file = &config.AuditFile{}
	}
	return app.AuditConfig{
		KeyFile: first(f.keyFile, g.env.Getenv("FIREBREAK_AUDIT_KEY"), file.KeyFile, filepath.Join(dir, "audit-key.pem")),
		File:    first(f.file, file.CheckpointFile, filepath.Join(dir, "audit-checkpoints.jsonl")),
		Every:   file.Every(),
		Webhook: file.CheckpointWebhook,
	}
}

// dataDir is the data directory: the SQLite file's directory, or
// --data-dir for PostgreSQL.
func dataDir(g *globals, db *dbFlags) string {
	if dsn := db.dsn(g); !store.IsPostgres(dsn) {
		return filepath.Dir(strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "file:"))
	}
	return first(db.dataDir, g.env.Getenv("FIREBREAK_DATA_DIR"), "firebreak-data")
}

func (f *auditFlags) load(g *globals, db *dbFlags) (app.AuditConfig, error) {
	cfg, err := config.Load(first(f.policy, g.env.Getenv("FIREBREAK_POLICY")))
	if err != nil {
		return app.AuditConfig{}, err
	}
	return auditSettings(g, db, f, cfg.Audit), nil
}

func auditCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Check the stored record; sign checkpoints of it"}
	cmd.AddCommand(auditVerifyCmd(g), auditCheckpointCmd(g), auditPublicKeyCmd(g))
	return cmd
}

func auditVerifyCmd(g *globals) *cobra.Command {
	var f dbFlags
	var af auditFlags
	var publicKey string
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check every hash chain, every table against its events, and the history against signed checkpoints", Example: `  firebreak audit verify
  firebreak audit verify --db postgres://firebreak@db.internal/firebreak
  firebreak audit verify --checkpoint checkpoints.jsonl --public-key "$(cat firebreak-audit.pub)"`,
		Long: `Reads the database directly (the server may be running or not) and checks:
every incident's hash chain and the order of its events; every row that lists,
permissions and duties rely on (the incident's columns and document, labels,
roles, facts, obligation records, notices against the text hashes in their
events, stakeholder updates, evidence) rebuilt from the events, naming each
difference; every uploaded evidence file in the data directory's evidence/
rehashed against the hash its evidence.added event recorded;
rows of missing incidents; gaps in the global sequence (on SQLite).

With --checkpoint FILE it also recomputes the global head over the events up
to each checkpoint in FILE (after checking its Ed25519 signature with
--public-key, or the public half of --key-file) and reports whether the
database still holds exactly the history each one signed. This catches a
rewrite that re-sealed every chain. Exits 1 when anything differs.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			if err := g.checkOutput(); err != nil {
				return err
			}
			var opt audit.Options
			var skipped int
			if af.file != "" {
				pub, err := verifyKey(g, &f, &af, publicKey)
				if err != nil {
					return err
				}
				cps, err := audit.ReadCheckpointFile(af.file)
				if err != nil {
					return err
				}
				if len(cps) == 0 {
					return fmt.Errorf("--checkpoint: %s holds no checkpoint", af.file)
				}
				for _, c := range cps {
					if c.KeyID != audit.KeyID(pub) {
						skipped++
						continue
					}
					if err := c.Check(pub); err != nil {
						return &exitError{code: 1, err: fmt.Errorf("audit failed: %s: %w", af.file, err)}
					}
					opt.Checkpoints = append(opt.Checkpoints, c)
				}
				if len(opt.Checkpoints) == 0 {
					return fmt.Errorf("--checkpoint: no checkpoint in %s is signed with key %s", af.file, audit.KeyID(pub))
				}
			}
			db, err := f.open(cmd.Context(), g, slog.New(slog.DiscardHandler))
			if err != nil {
				return err
			}
			defer closeDB(db, &err)
			opt.EvidenceFiles = evidence.NewFiles(app.EvidenceDir(dataDir(g, &f)))
			r, err := audit.VerifyWith(cmd.Context(), db, opt)
			if err != nil {
				return err
			}
			if err := g.print(r, func(w io.Writer) {
				fmt.Fprintf(w, "Checked %d incidents, %d events; global head %s at global seq %d.\n", r.Incidents, r.Events, dash(r.Head), r.LastGlobalSeq)
				for _, n := range r.Notes {
					fmt.Fprintln(w, "NOTE "+n)
				}
				if skipped > 0 {
					fmt.Fprintf(w, "NOTE %d checkpoints in %s are signed with other keys and were not checked.\n", skipped, af.file)
				}
				for _, p := range r.Problems {
					fmt.Fprintln(w, "BROKEN "+p.String())
				}
				var last *audit.CheckpointResult
				for i := range r.Checkpoints {
					if r.Checkpoints[i].Intact {
						last = &r.Checkpoints[i]
					}
				}
				if last != nil {
					fmt.Fprintf(w, "Of %d checkpoints, the latest intact: %s.\n", len(r.Checkpoints), last)
				}
				if r.OK() {
					fmt.Fprintln(w, "Every chain is intact and every table matches its events.")
				}
			}); err != nil {
				return err
			}
			if !r.OK() {
				return &exitError{code: 1, err: fmt.Errorf("audit failed: %d problems, the first: %s", len(r.Problems), r.Problems[0])}
			}
			return nil
		},
	}
	f.add(cmd, g)
	af.add(cmd, false)
	cmd.Flags().StringVar(&af.file, "checkpoint", "", "checkpoint file (JSON lines, as the server writes them) to check the history against")
	cmd.Flags().StringVar(&publicKey, "public-key", "", "public key the checkpoints are signed with: base64, a PEM PUBLIC KEY, or a file holding either (default: the public half of --key-file)")
	return cmd
}

// verifyKey is the public key checkpoints are checked with: --public-key
// (the key itself or a file holding it), else the key file's .pub or the
// key file itself.
func verifyKey(g *globals, db *dbFlags, af *auditFlags, flag string) (ed25519.PublicKey, error) {
	if flag != "" {
		if data, err := os.ReadFile(flag); err == nil {
			return audit.ParsePublicKey(string(data))
		}
		return audit.ParsePublicKey(flag)
	}
	keyFile := auditSettings(g, db, af, nil).KeyFile
	if data, err := os.ReadFile(keyFile + ".pub"); err == nil {
		return audit.ParsePublicKey(string(data))
	}
	key, err := audit.LoadKey(keyFile)
	if err != nil {
		return nil, fmt.Errorf("--public-key: none given and %w", err)
	}
	return key.Public().(ed25519.PublicKey), nil
}

func auditCheckpointCmd(g *globals) *cobra.Command {
	var f dbFlags
	var af auditFlags
	var webhook string
	cmd := &cobra.Command{
		Use:   "checkpoint",
		Short: "Sign a checkpoint of the record now and append it to the checkpoint file", Example: `  firebreak audit checkpoint
  firebreak audit checkpoint --data-dir /var/lib/firebreak`,
		Long: `Opens the database and the signing key directly (the server may be running or
not), signs the global head, the event count and the time, appends the
checkpoint to the checkpoint file (continuing its numbering and its head),
prints it, and POSTs it to the webhook when one is configured. Keep a copy
somewhere a database administrator cannot write: that copy is what proves
the history later.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			if err := g.checkOutput(); err != nil {
				return err
			}
			ac, err := af.load(g, &f)
			if err != nil {
				return err
			}
			key, err := audit.LoadKey(ac.KeyFile)
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("no checkpoint signing key at %s: `firebreak serve` creates it at first start, or name it with --key-file", ac.KeyFile)
			}
			if err != nil {
				return err
			}
			log := slog.New(slog.NewTextHandler(g.env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
			db, err := f.open(cmd.Context(), g, log)
			if err != nil {
				return err
			}
			defer closeDB(db, &err)
			c := &audit.Checkpointer{Log: db, Key: key, File: ac.File, Hook: first(webhook, ac.Webhook), Logger: log}
			cp, err := c.Take(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(cp, func(w io.Writer) {
				fmt.Fprintf(w, "Checkpoint #%d: %d events up to global seq %d, head %s, at %s, key %s.\nAppended to %s.\n",
					cp.Number, cp.Events, cp.LastGlobalSeq, cp.Head, ts(cp.Time), cp.KeyID, ac.File)
			})
		},
	}
	f.add(cmd, g)
	af.add(cmd, true)
	cmd.Flags().StringVar(&af.file, "checkpoint-file", "", "file the checkpoint is appended to (default audit.checkpoint_file in the policy file, or audit-checkpoints.jsonl in the data directory)")
	cmd.Flags().StringVar(&webhook, "webhook", "", "URL the checkpoint is POSTed to as JSON (default audit.checkpoint_webhook in the policy file)")
	return cmd
}

func auditPublicKeyCmd(g *globals) *cobra.Command {
	var f dbFlags
	var af auditFlags
	cmd := &cobra.Command{
		Use:   "public-key",
		Short: "Print the public key checkpoints are signed with (give it to whoever keeps the copies)", Example: `  firebreak audit public-key > firebreak-audit.pub`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ac, err := af.load(g, &f)
			if err != nil {
				return err
			}
			key, err := audit.LoadKey(ac.KeyFile)
			if err != nil {
				return err
			}
			pub := key.Public().(ed25519.PublicKey)
			fmt.Fprintf(g.env.Stdout, "%s\n", audit.EncodePublicKey(pub))
			fmt.Fprintf(g.env.Stderr, "key id %s (%s)\n", audit.KeyID(pub), ac.KeyFile)
			return nil
		},
	}
	f.add(cmd, g)
	af.add(cmd, true)
	return cmd
}
