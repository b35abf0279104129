package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"strconv"
	"time"
)

// side is one receiver's share of a side-by-side run, summed over its legs.
type side struct {
	name      string
	t         target
	next      int // the next body to send: each leg goes on where the last ended
	alerts    int // in bodies answered 2xx
	bodies    int
	failed    int // bodies with no 2xx answer
	elapsed   time.Duration
	latencies []time.Duration
	newAlerts int // Firebreak: alerts its receipts counted as new
	firstErr  error
	// cpu is the CPU time the receiver and the sender used during its
	// legs; cpuOK is false when it could not be read.
	cpu   time.Duration
	cpuOK bool
	// receiverCPU is the receiver's own CPU time so far, when it is a
	// separate process; nil for Firebreak in-process, which this
	// process's time covers.
	receiverCPU func() (time.Duration, bool)
}

// perAlert is the CPU time per alert in µs, or "-" when unknown.
func perAlert(cpu time.Duration, ok bool, alerts int) string {
	if !ok || alerts == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", float64(cpu.Microseconds())/float64(alerts))
}

// leg runs one leg from where the side's last ended and adds it to the
// side's totals; it returns the leg's own figures.
func (s *side) leg(ctx context.Context, c config) (result, time.Duration, bool) {
	self0 := cpuTime()
	var recv0 time.Duration
	ok := self0 > 0
	if s.receiverCPU != nil {
		var rok bool
		recv0, rok = s.receiverCPU()
		ok = ok && rok
	}
	r := replay(ctx, c, s.t, s.next)
	cpu := cpuTime() - self0
	if s.receiverCPU != nil {
		recv1, rok := s.receiverCPU()
		ok = ok && rok
		cpu += recv1 - recv0
	}
	if s.bodies == 0 {
		s.cpuOK = true
	}
	s.cpuOK = s.cpuOK && ok
	s.cpu += cpu
	s.next += r.bodies
	s.alerts += r.alerts
	s.bodies += r.bodies
	s.failed += r.failed
	s.elapsed += r.elapsed
	s.latencies = append(s.latencies, r.latencies...)
	s.newAlerts += r.receipt.Accepted - r.receipt.Repeats - r.receipt.Resolved - r.receipt.Ignored
	if s.firstErr == nil {
		s.firstErr = r.firstErr
	}
	return r, cpu, ok
}

func (s *side) rate() float64 {
	if s.elapsed <= 0 {
		return 0
	}
	return float64(s.alerts) / s.elapsed.Seconds()
}

// versusResult is what a side-by-side run measured and what each receiver
// holds afterwards.
type versusResult struct {
	am, fb *side
	// amListed is the alerts GET /api/v2/alerts listed after the run.
	amListed int
}

// runVersus offers a real Alertmanager and Firebreak the same storm of new
// alerts in alternating legs and prints each leg, each side's totals and the
// ratio. It fails when a body failed or a receiver is missing an alert.
func runVersus(ctx context.Context, c config, log *slog.Logger, out io.Writer) error {
	res, err := versus(ctx, c, log, out)
	if err != nil {
		return err
	}
	var problems []error
	for _, s := range []*side{res.am, res.fb} {
		if s.failed > 0 {
			problems = append(problems, fmt.Errorf("%s: %d bodies failed, the first: %w", s.name, s.failed, s.firstErr))
		}
	}
	if res.amListed != res.am.alerts {
		problems = append(problems, fmt.Errorf("alertmanager lists %d alerts, %d were accepted", res.amListed, res.am.alerts))
	}
	if res.fb.newAlerts != res.fb.alerts {
		problems = append(problems, fmt.Errorf("firebreak counted %d alerts new, %d were accepted", res.fb.newAlerts, res.fb.alerts))
	}
	return errors.Join(problems...)
}

func versus(ctx context.Context, c config, log *slog.Logger, out io.Writer) (versusResult, error) {
	switch {
	case c.duration <= 0 && c.alerts <= 0:
		return versusResult{}, errors.New("set --duration or --alerts (per leg), so each leg ends")
	case c.legs < 1 || c.batch < 1 || c.concurrency < 1 || c.groups < 1 || c.rate < 0:
		return versusResult{}, errors.New("--legs, --batch, --concurrency and --groups must be at least 1; --rate not negative")
	case c.url != "":
		return versusResult{}, errors.New("--versus-alertmanager runs Firebreak in-process (--db may name the database); --url is not supported")
	}
	c.newAlerts = true // both must see only new alerts, or the comparison is of caches
	am, err := startAlertmanager(ctx, c.alertmanagerBin)
	if err != nil {
		return versusResult{}, err
	}
	defer am.stop()
	hookURL, where, closeFirebreak, err := open(ctx, c, log)
	if err != nil {
		return versusResult{}, err
	}
	defer closeFirebreak()

	fmt.Fprintf(out, "machine:      %d CPUs (GOMAXPROCS %d), %s %s/%s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(out, "alertmanager: %s, %s/api/v2/alerts (its own process; alerts held in memory)\n", am.version, am.url)
	fmt.Fprintf(out, "firebreak:    %s, its Alertmanager webhook (version 4 bodies; answered after commit)\n", where)
	offered := "as fast as each answers"
	if c.rate > 0 {
		offered = fmt.Sprintf("%.0f alerts/s offered", c.rate)
	}
	per := []string{}
	if c.duration > 0 {
		per = append(per, c.duration.String())
	}
	if c.alerts > 0 {
		per = append(per, fmt.Sprintf("%d alerts", c.alerts))
	}
	fmt.Fprintf(out, "load:         %d alerts per body, %d senders, %s; %s; %d legs each of %v, alternating\n\n",
		c.batch, c.concurrency, offered, labelSpace(c), c.legs, per)

	gen := newGenerator(c)
	amSide := &side{name: "alertmanager", t: am.target(gen), receiverCPU: func() (time.Duration, bool) { return processCPU(am.cmd.Process.Pid) }}
	fbSide := &side{name: "firebreak", t: firebreakTarget(gen, hookURL)}
	const row = "%-4s %-13s %9d %9.2f %10.0f %9.2f %9.2f %9.2f %7d %12s\n"
	fmt.Fprintf(out, "%-4s %-13s %9s %9s %10s %9s %9s %9s %7s %12s\n", "leg", "receiver", "alerts", "seconds", "alerts/s", "p50 ms", "p95 ms", "p99 ms", "errors", "CPU µs/alert")
legs:
	for leg := 1; leg <= c.legs; leg++ {
		for _, s := range []*side{amSide, fbSide} {
			if ctx.Err() != nil {
				break legs
			}
			r, cpu, ok := s.leg(ctx, c)
			slices.Sort(r.latencies)
			fmt.Fprintf(out, row, strconv.Itoa(leg), s.name, r.alerts, r.elapsed.Seconds(), float64(r.alerts)/r.elapsed.Seconds(),
				percentile(r.latencies, 50), percentile(r.latencies, 95), percentile(r.latencies, 99), r.failed, perAlert(cpu, ok, r.alerts))
		}
	}
	fmt.Fprintln(out)
	for _, s := range []*side{amSide, fbSide} {
		slices.Sort(s.latencies)
		fmt.Fprintf(out, row, "all", s.name, s.alerts, s.elapsed.Seconds(), s.rate(),
			percentile(s.latencies, 50), percentile(s.latencies, 95), percentile(s.latencies, 99), s.failed, perAlert(s.cpu, s.cpuOK, s.alerts))
	}
	if amSide.rate() > 0 && len(amSide.latencies) > 0 && len(fbSide.latencies) > 0 {
		fmt.Fprintf(out, "ratio firebreak/alertmanager: alerts/s %.2f, p50 %.2f, p99 %.2f", fbSide.rate()/amSide.rate(),
			percentile(fbSide.latencies, 50)/percentile(amSide.latencies, 50), percentile(fbSide.latencies, 99)/percentile(amSide.latencies, 99))
		if amSide.cpuOK && fbSide.cpuOK && amSide.cpu > 0 && amSide.alerts > 0 && fbSide.alerts > 0 {
			fmt.Fprintf(out, ", CPU per alert %.2f", (fbSide.cpu.Seconds()/float64(fbSide.alerts))/(amSide.cpu.Seconds()/float64(amSide.alerts)))
		}
		fmt.Fprintln(out)
	}

	listed, err := am.count(context.WithoutCancel(ctx))
	if err != nil {
		return versusResult{}, err
	}
	fmt.Fprintf(out, "received: alertmanager lists %d of the %d alerts it accepted; firebreak's receipts count %d of its %d new\n",
		listed, amSide.alerts, fbSide.newAlerts, fbSide.alerts)
	return versusResult{am: amSide, fb: fbSide, amListed: listed}, nil
}
