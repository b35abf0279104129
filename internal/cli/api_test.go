package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/cli"
)

// TestAPIOpenAPIPrintsTheDocument: the document comes without a server,
// whole (the webhooks too), in 3.1 and, with --3.0, downgraded.
func TestAPIOpenAPIPrintsTheDocument(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"api", "openapi"}, "3.1.0"},
		{[]string{"api", "openapi", "--3.0"}, "3.0.3"},
	} {
		var out, errOut bytes.Buffer
		code := cli.Run(context.Background(), cli.Env{Args: c.args, Getenv: func(string) string { return "" },
			Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut})
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", c.args, code, errOut.String())
		}
		var doc struct {
			OpenAPI string         `json:"openapi"`
			Paths   map[string]any `json:"paths"`
		}
		if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		if doc.OpenAPI != c.want || doc.Paths["/api/v1/incidents"] == nil || doc.Paths["/hooks/alertmanager/{token}"] == nil {
			t.Errorf("%v: openapi %q with %d paths", c.args, doc.OpenAPI, len(doc.Paths))
		}
	}
}
