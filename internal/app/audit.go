package app

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"time"

	"github.com/firebreak-ir/firebreak/internal/audit"
	"github.com/firebreak-ir/firebreak/internal/notify"
)

// AuditConfig turns on signed checkpoints of the audit record.
type AuditConfig struct {
	// KeyFile is the Ed25519 signing key (PKCS #8 PEM), created with mode
	// 0600 at first start when missing, its public key beside it (.pub).
	// It is never stored in the database nor logged.
	KeyFile string
	// Every is the period of checkpoints: audit.DefaultEvery when zero,
	// none but the one at start when negative.
	Every time.Duration
	// File receives every checkpoint as a JSON line; none when empty.
	File string
	// Webhook, when set, receives every checkpoint as a JSON POST.
	Webhook string
	// Timer replaces time.NewTimer for the period; for tests.
	Timer func(d time.Duration) (<-chan time.Time, func() bool)
}

// newCheckpointer loads or creates the signing key.
func newCheckpointer(a *App) error {
	c := a.cfg.Audit
	if c == nil {
		return nil
	}
	if c.KeyFile == "" {
		return fmt.Errorf("audit: a key file is required")
	}
	key, created, err := audit.LoadOrCreateKey(c.KeyFile)
	if err != nil {
		return err
	}
	pub := audit.EncodePublicKey(key.Public().(ed25519.PublicKey))
	if created {
		a.cfg.Logger.Warn("audit: created a checkpoint signing key; keep a copy of its public key outside this machine",
			"key_file", c.KeyFile, "public_key", pub)
	}
	// The webhook is an address someone typed in: the guarded client, with
	// the administrator's outbound.allow for a receiver on the inside.
	a.Checkpoints = &audit.Checkpointer{Log: a.DB, Key: key, File: c.File, Hook: c.Webhook, Logger: a.cfg.Logger,
		Now: a.cfg.Now, Every: c.Every, Timer: c.Timer, Client: notify.NewHTTPClientWith(a.cfg.Outbound)}
	return nil
}

// runCheckpoints takes a checkpoint now and then every period until ctx
// ends; with a negative period, only the one now.
func (a *App) runCheckpoints(ctx context.Context) {
	if a.Checkpoints == nil {
		return
	}
	a.checkpointsDone = make(chan struct{})
	go func() {
		defer close(a.checkpointsDone)
		if a.cfg.Audit.Every < 0 {
			if _, err := a.Checkpoints.Take(ctx); err != nil && ctx.Err() == nil {
				a.cfg.Logger.Error("audit checkpoint failed", "err", err)
			}
			return
		}
		a.Checkpoints.Run(ctx)
	}()
}
