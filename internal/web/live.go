package web

import (
	"sync"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// change is what a live subscriber hears: which incident changed and to
// which version. Subscribers fetch what they show; the message carries no
// content, so nothing leaks through it beyond what the filter allows.
type change struct {
	Ref     string `json:"ref"`
	Version int64  `json:"version"`
	Type    string `json:"type"`
	Actor   string `json:"actor"`
}

// broker fans committed changes out to the open pages of this node.
// Sending never blocks a command: a subscriber too slow to keep up is told
// to resync instead.
type broker struct {
	mu   sync.Mutex
	subs map[*subscriber]struct{}
}

type subscriber struct {
	viewer incident.Viewer
	ch     chan change
	wake   chan struct{} // a resync is waiting (see takeLagged)
	lagged bool
}

func newBroker() *broker { return &broker{subs: map[*subscriber]struct{}{}} }

// publish is an incident.Service observer.
func (b *broker) publish(inc incident.Incident, events []incident.Event) {
	if len(events) == 0 {
		return
	}
	last := events[len(events)-1]
	b.send(&inc, change{Ref: inc.Ref, Version: inc.Version, Type: last.Type, Actor: last.Actor})
}

// send tells c to the subscribers who may see inc.
func (b *broker) send(inc *incident.Incident, c change) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		if !s.viewer.CanSee(inc) {
			continue
		}
		select {
		case s.ch <- c:
		default:
			s.lagged = true
		}
	}
}

// resync tells every subscriber to refresh: changes may have been missed.
func (b *broker) resync() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		s.lagged = true
		select {
		case s.wake <- struct{}{}:
		default: // already woken
		}
	}
}

func (b *broker) subscribe(v incident.Viewer) *subscriber {
	s := &subscriber{viewer: v, ch: make(chan change, 64), wake: make(chan struct{}, 1)}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s
}

func (b *broker) unsubscribe(s *subscriber) {
	b.mu.Lock()
	delete(b.subs, s)
	b.mu.Unlock()
}

// takeLagged reports and clears whether s missed messages.
func (b *broker) takeLagged(s *subscriber) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	l := s.lagged
	s.lagged = false
	return l
}
