package store

import "sync"

// lastHashes remembers the hash of the last event each recently changed
// incident committed, so the next append to it seals its events onto the
// chain without reading that hash back inside the single writer (a
// SELECT per append: 2–3% of the CPU of declare → assign → activate).
//
// An entry is put only once its transaction has committed (a commit
// hook), and an event, once committed, never changes: the hash stored for
// (incident, seq) is right for as long as it is kept, whichever process
// or node appends next. A lookup for another seq misses and the caller
// reads the database.
type lastHashes struct {
	mu sync.Mutex
	m  map[string]hashAt
}

type hashAt struct {
	seq  int64
	hash string
}

// maxLastHashes bounds the memory: when full, the map starts again empty
// (the incidents being worked on fill it again within a few commands).
const maxLastHashes = 4096

// get returns the hash of incident id's event seq, when it is known.
func (l *lastHashes) get(id string, seq int64) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	h, ok := l.m[id]
	if !ok || h.seq != seq {
		return "", false
	}
	return h.hash, true
}

// put records that incident id's event seq, committed, has hash.
func (l *lastHashes) put(id string, seq int64, hash string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil || len(l.m) >= maxLastHashes {
		l.m = make(map[string]hashAt, 256)
	}
	if h, ok := l.m[id]; ok && h.seq > seq {
		return // a later event is known already
	}
	l.m[id] = hashAt{seq: seq, hash: hash}
}
