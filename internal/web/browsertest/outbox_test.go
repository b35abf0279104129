package browsertest

import (
	"context"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/notify"
)

// outbox stands in for every outbound channel: it keeps each message and
// answers 200. (A copy of the web package's test double: the browser tests
// live in their own package so that each stays inside go test's per-package
// time limit under -race.)
type outbox struct {
	mu   sync.Mutex
	sent []sentMessage
}

type sentMessage struct {
	to  notify.Target
	msg notify.Message
}

func (o *outbox) Notify(_ context.Context, t notify.Target, m notify.Message) (notify.Result, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, sentMessage{t, m})
	return notify.Result{Channel: t.Kind, Target: t.Address, StatusCode: 200, Latency: 3 * time.Millisecond}, nil
}

// wait returns the latest message that matches, waiting up to five seconds
// for the job engine to send it.
func (o *outbox) wait(t *testing.T, what string, match func(sentMessage) bool) sentMessage {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		o.mu.Lock()
		for i := len(o.sent) - 1; i >= 0; i-- {
			if match(o.sent[i]) {
				m := o.sent[i]
				o.mu.Unlock()
				return m
			}
		}
		o.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no message %s was sent", what)
	return sentMessage{}
}

var codeRE = regexp.MustCompile(`verification code (\d{6})`)

// code is the latest verification code sent to address.
func (o *outbox) code(t *testing.T, address string) string {
	t.Helper()
	m := o.wait(t, "with a code to "+address, func(m sentMessage) bool {
		return m.to.Address == address && codeRE.MatchString(m.msg.Title)
	})
	return codeRE.FindStringSubmatch(m.msg.Title)[1]
}
