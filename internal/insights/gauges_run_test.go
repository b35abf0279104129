package insights

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// downStore fails every read with err while it is set.
type downStore struct {
	fakeStore
	mu  sync.Mutex
	err error
}

func (d *downStore) set(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.err = err
}

func (d *downStore) InsightsSources(ctx context.Context, from, to time.Time) ([]Source, error) {
	d.mu.Lock()
	err := d.err
	d.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return d.fakeStore.InsightsSources(ctx, from, to)
}

// levels records each log record's level and message.
type levels struct {
	mu  sync.Mutex
	got []string
}

func (l *levels) Enabled(context.Context, slog.Level) bool { return true }
func (l *levels) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *levels) WithGroup(string) slog.Handler            { return l }
func (l *levels) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got = append(l.got, r.Level.String()+" "+r.Message)
	return nil
}

func (l *levels) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.got
	l.got = nil
	return out
}

// TestGaugesRunLogsAnOutageOnce: while the database cannot be reached the
// refresh loop warns once (the rest at debug level) and says once when
// the gauges are computed again; any other failure is an error each time.
func TestGaugesRunLogsAnOutageOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &downStore{}
		logs := &levels{}
		svc := New(Deps{Store: store, Now: time.Now, Logger: slog.New(logs), Order: []string{"SEV1"}})
		g := NewGauges(svc, time.Minute)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { g.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()
		// Refreshes run at whole minutes; the store changes half-way between.
		time.Sleep(30 * time.Second)
		step := func(err error, minutes int) []string {
			store.set(err)
			time.Sleep(time.Duration(minutes) * time.Minute)
			synctest.Wait()
			return logs.take()
		}
		unavailable := errs.E(errs.Unavailable, "", "the database cannot be reached; retry in a moment")
		warn := "WARN insights gauges: the database cannot be reached; scrapes get the last figures until it answers"
		for _, tc := range []struct {
			name    string
			err     error
			minutes int
			want    []string
		}{
			{"working", nil, 2, nil}, // the first refresh, at 0, is logged by no one either
			{"down for five refreshes", unavailable, 5, []string{warn, "DEBUG insights gauges: the database still cannot be reached", "DEBUG insights gauges: the database still cannot be reached", "DEBUG insights gauges: the database still cannot be reached", "DEBUG insights gauges: the database still cannot be reached"}},
			{"back", nil, 2, []string{"INFO insights gauges computed again"}},
			{"down again", unavailable, 1, []string{warn}},
			{"a real failure", errors.New("no such column"), 2, []string{"ERROR insights gauges", "ERROR insights gauges"}},
		} {
			if got := step(tc.err, tc.minutes); !slices.Equal(got, tc.want) {
				t.Errorf("%s: logged %q, want %q", tc.name, got, tc.want)
			}
		}
	})
}
