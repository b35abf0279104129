//go:build ignore

// generate writes this package's generated files from the OpenAPI document
// of the API in this tree, built in-process as `firebreak api openapi`
// prints it. oapi-codegen is run pinned with `go run pkg@version` (as .ci/run
// runs its linters), so go.mod gains only the runtime the generated code
// imports. Run it with `go generate ./internal/apiclient`; -dir writes the
// files elsewhere (the staleness test compares such a copy).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/firebreak-ir/firebreak/internal/app"
)

// oapiCodegen is the generator, pinned: a new version is a deliberate
// change of the generated code.
const oapiCodegen = "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2"

// configs are oapi-codegen's configurations, one per generated file; each
// names its output relative to the directory it runs in.
var configs = []string{"types.cfg.yaml", "client.cfg.yaml"}

func main() {
	dir := flag.String("dir", ".", "where to write the generated files")
	flag.Parse()
	if err := run(context.Background(), *dir); err != nil {
		fmt.Fprintln(os.Stderr, "generate:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dir string) (err error) {
	here, err := os.Getwd()
	if err != nil {
		return err
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return err
	}
	// The version only fills info.version, which the generated code does
	// not carry; a fixed one keeps the input the same on every machine.
	doc, err := app.OpenAPIDocument(ctx, "devel", false)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "apiclient-")
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, os.RemoveAll(tmp)) }()
	spec := filepath.Join(tmp, "openapi.json")
	if err := os.WriteFile(spec, doc, 0o600); err != nil {
		return err
	}
	for _, cfg := range configs {
		cmd := exec.CommandContext(ctx, "go", "run", oapiCodegen, "-config", filepath.Join(here, cfg), spec)
		cmd.Dir = dir
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("oapi-codegen -config %s: %w", cfg, err)
		}
	}
	return nil
}
