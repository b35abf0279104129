package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Load says how much work a run does. It always ends by itself: after
// Cycles cycles or after Duration, whichever comes first (at least one must
// be set).
type Load struct {
	Workers  int
	Cycles   int
	Duration time.Duration
	// First numbers the first cycle, so several runs on one database
	// declare distinct incidents.
	First int
}

// Result is what a run measured.
type Result struct {
	Commands  int
	Errors    int
	FirstErr  error
	Elapsed   time.Duration
	Latencies Latencies // of every command, failed ones included
}

// PerSecond is the command throughput.
func (r Result) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Commands) / r.Elapsed.Seconds()
}

// Run runs cycles on Workers goroutines until the load is done.
func Run(ctx context.Context, t Target, l Load) (Result, error) {
	if l.Workers < 1 {
		return Result{}, errors.New("bench: at least one worker")
	}
	if l.Cycles <= 0 && l.Duration <= 0 {
		return Result{}, errors.New("bench: set a cycle count or a duration, so the run ends")
	}
	if l.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, l.Duration)
		defer cancel()
	}
	var next atomic.Int64
	next.Store(int64(l.First))
	last := int64(-1)
	if l.Cycles > 0 {
		last = int64(l.First + l.Cycles)
	}
	var mu sync.Mutex
	var res Result
	var wg sync.WaitGroup
	start := time.Now()
	for range l.Workers {
		wg.Go(func() {
			var lat Latencies
			failed, cmds := 0, 0
			var firstErr error
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if last >= 0 && i >= last {
					break
				}
				t0 := time.Now()
				_ = Cycle(ctx, t, int(i), func(err error) { // observe sees each command's error
					now := time.Now()
					// A command cut short by the end of a timed run is not a failure of the system under test.
					if err != nil && ctx.Err() != nil {
						return
					}
					lat = append(lat, now.Sub(t0))
					t0 = now
					cmds++
					if err != nil {
						failed++
						if firstErr == nil {
							firstErr = err
						}
					}
				})
			}
			mu.Lock()
			defer mu.Unlock()
			res.Latencies = append(res.Latencies, lat...)
			res.Commands += cmds
			res.Errors += failed
			if res.FirstErr == nil {
				res.FirstErr = firstErr
			}
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	return res, nil
}

// Seed declares n incidents on workers goroutines and activates every
// activeEvery-th of them (0: none), so state filters have something to
// find. It reports progress through the callback, if any, every 10,000.
func Seed(ctx context.Context, t Target, n, workers, activeEvery int, progress func(done int)) error {
	var next, done atomic.Int64
	errc := make(chan error, workers)
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range max(workers, 1) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := seedOne(ctx, t, i, activeEvery); err != nil {
					errc <- err
					cancel()
					return
				}
				if d := done.Add(1); progress != nil && d%10_000 == 0 {
					progress(int(d))
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	return ctx.Err()
}

func seedOne(ctx context.Context, t Target, i, activeEvery int) error {
	if activeEvery > 0 && i%activeEvery == 0 {
		return Cycle(ctx, t, i, func(error) {})
	}
	_, err := t.Declare(ctx, Input(i))
	return err
}

// MeasureList runs query q n times on workers goroutines and returns each
// call's latency.
func MeasureList(ctx context.Context, t Target, q Query, n, workers int) (Latencies, error) {
	var next atomic.Int64
	var mu sync.Mutex
	var all Latencies
	var firstErr error
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			var lat Latencies
			var err error
			for int(next.Add(1)) <= n && err == nil {
				t0 := time.Now()
				_, err = t.List(ctx, q)
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			defer mu.Unlock()
			all = append(all, lat...)
			if firstErr == nil && err != nil {
				firstErr = err
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, fmt.Errorf("list %s: %w", q.Name, firstErr)
	}
	return all, nil
}

// Latencies are observed durations, in no particular order.
type Latencies []time.Duration

// Percentile returns the p-th percentile (0 < p <= 100) by the
// nearest-rank method, or 0 when there are none.
func (l Latencies) Percentile(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	rank := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[min(max(rank, 0), len(s)-1)]
}

// Ms is a duration in milliseconds, for reports.
func Ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
