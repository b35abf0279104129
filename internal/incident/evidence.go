package incident

import (
	"context"
	"time"
)

// EvAttachmentAccessed records that someone opened a file a reporter sent
// with a queue entry linked to the incident (who, when, which file). It
// lives in the stream only.
const EvAttachmentAccessed = "attachment.accessed"

// AttachmentAccessData is the payload of EvAttachmentAccessed.
type AttachmentAccessData struct {
	Entry  string `json:"entry"` // the queue entry (alert group) the file came with
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// RecordAttachmentAccess puts an access to an entry's attachment on the
// timeline of the incident the entry is linked to; c.Actor opened it.
func (s *Service) RecordAttachmentAccess(ctx context.Context, c Command, d AttachmentAccessData) error {
	_, err := s.do(ctx, c, func(*Incident, time.Time) ([]Change, error) {
		return []Change{{Type: EvAttachmentAccessed, Data: d}}, nil
	})
	return err
}
