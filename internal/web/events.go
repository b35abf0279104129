package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// heartbeat keeps proxies from closing an idle stream and lets the page
// notice a dead connection.
const heartbeat = 15 * time.Second

// events streams committed changes the viewer may see, as Server-Sent
// Events. The page then fetches what it shows; a lagging stream is told to
// resync, and a reconnecting page refreshes once, so nothing is missed.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	// The stream outlives the server's write timeout by design.
	if err := rc.SetWriteDeadline(time.Time{}); err != nil {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	sub := s.live.subscribe(viewerOf(userFrom(r)))
	defer s.live.unsubscribe(sub)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 1000\nevent: hello\ndata: {}\n\n")
	rc.Flush()
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.closing:
			return
		case c := <-sub.ch:
			b, _ := json.Marshal(c)
			if _, err := fmt.Fprintf(w, "event: change\ndata: %s\n\n", b); err != nil {
				return
			}
		case <-sub.wake: // told below, as a lagging stream is
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil {
				return
			}
		}
		if s.live.takeLagged(sub) {
			fmt.Fprint(w, "event: resync\ndata: {}\n\n")
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}
