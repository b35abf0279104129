package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	"github.com/firebreak-ir/firebreak/internal/store"
)

// Head is the global chain: a running hash over every event's hash in
// global-sequence order,
//
//	head_n = SHA-256("firebreak-global-v1" ‖ head_{n-1} ‖ global_seq_n ‖ incident_id_n ‖ seq_n ‖ hash_n)
//
// each field length-prefixed, head_0 empty. It is computed when a
// checkpoint is taken and when one is verified, never inline: writers on
// every node append without waiting on one global predecessor.
type Head struct {
	Hash          string `json:"head"`
	Events        int64  `json:"events"`
	LastGlobalSeq int64  `json:"last_global_seq"`
}

// Next is the head after e, which must come after h.LastGlobalSeq.
func (h Head) Next(e store.GlobalEvent) Head {
	var b []byte
	field := func(s string) {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
		b = append(b, ';')
	}
	field("firebreak-global-v1")
	field(h.Hash)
	field(strconv.FormatInt(e.GlobalSeq, 10))
	field(e.IncidentID)
	field(strconv.FormatInt(e.Seq, 10))
	field(e.Hash)
	sum := sha256.Sum256(b)
	return Head{Hash: hex.EncodeToString(sum[:]), Events: h.Events + 1, LastGlobalSeq: e.GlobalSeq}
}
