package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/cli"
	"github.com/firebreak-ir/firebreak/internal/store"
)

// runIn runs the CLI with stdin.
func (h *harness) runIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Run(context.Background(), cli.Env{Args: args, Getenv: func(k string) string { return h.env[k] },
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut})
	return code, out.String(), errOut.String()
}

// signIn tries a password against the database directly.
func (h *harness) signIn(t *testing.T, user, pw string) error {
	t.Helper()
	db, err := store.Open(context.Background(), h.dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, _, err = app.NewServices(db, time.Now).Auth.SignIn(context.Background(), user, pw, "")
	return err
}

func TestPasswordsFromTheCLI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.ok(t, "users", "create", "alice", "--role", "responder")

	tests := []struct {
		name, stdin, want string
		ok                bool
	}{
		{"one line", "alice's first password\n", "Password set for alice", true},
		{"no line ending, spaces kept", "  alice's second password ", "Password set for alice", true},
		{"CRLF", "alice's third password\r\n", "Password set for alice", true},
		{"empty", "", "no password on standard input", false},
		{"short", "hunter2\n", "password: must be at least 10 bytes long", false},
	}
	for _, tt := range tests {
		code, out, errOut := h.runIn(t, tt.stdin, "users", "set-password", "alice")
		if (code == 0) != tt.ok || !strings.Contains(out+errOut, tt.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%s: exit %d, %q %q; want %q", tt.name, code, out, errOut, tt.want)
		}
	}
	if err := h.signIn(t, "alice", "alice's third password"); err != nil {
		t.Fatalf("the password set over the API does not sign in: %v", err)
	}

	out := h.ok(t, "password", "reset", "alice", "--db", h.dsn, "-o", "json")
	var got struct{ User, Password string }
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.User != "alice" || len(got.Password) != 20 {
		t.Fatalf("password reset: %q %v", out, err)
	}
	if err := h.signIn(t, "alice", got.Password); err != nil {
		t.Fatalf("the reset password does not sign in: %v", err)
	}
	if err := h.signIn(t, "alice", "alice's third password"); err == nil {
		t.Fatal("the old password still signs in after a reset")
	}
	h.fails(t, "no user nobody", "password", "reset", "nobody", "--db", h.dsn)
}
