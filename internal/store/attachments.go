package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/firebreak-ir/firebreak/internal/triage"
)

// PutAttachment stores a file by its SHA-256; storing the same content
// twice keeps one copy.
func (db *DB) PutAttachment(ctx context.Context, a triage.Attachment, data []byte, at time.Time) error {
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.dialect.q(`INSERT INTO attachments (sha256, name, content_type, size, data, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING`), a.SHA256, a.Name, a.ContentType, a.Size, data, db.dialect.t(at))
		if err != nil {
			return fmt.Errorf("store attachment: %w", err)
		}
		return nil
	})
}

// Attachment returns a stored file and its record.
func (db *DB) Attachment(ctx context.Context, sha string) (triage.Attachment, []byte, error) {
	var a triage.Attachment
	var data []byte
	err := db.read.QueryRowContext(ctx, db.dialect.q(`SELECT sha256, name, content_type, size, data FROM attachments WHERE sha256 = ?`), sha).
		Scan(&a.SHA256, &a.Name, &a.ContentType, &a.Size, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return triage.Attachment{}, nil, notFound("sha256", "no attachment %s", sha)
	}
	if err != nil {
		return triage.Attachment{}, nil, fmt.Errorf("read attachment: %w", err)
	}
	return a, data, nil
}
