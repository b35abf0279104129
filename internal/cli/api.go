package cli

import (
	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/buildinfo"
)

func apiCmd(g *globals) *cobra.Command {
	api := &cobra.Command{
		Use:     "api",
		Short:   "The REST API's contract",
		Example: `  firebreak api openapi > openapi.json`,
	}
	var v30 bool
	openapi := &cobra.Command{
		Use:   "openapi",
		Short: "Print this build's OpenAPI document",
		Long: `Print the OpenAPI 3.1 document of this build's REST API, as the server serves it at
/api/v1/openapi.json, without a server or a token: the API is built in-process on a
throwaway database. --3.0 prints the OpenAPI 3.0 downgrade served at
/api/v1/openapi-3.0.json, for tools that do not read 3.1.`,
		Example: `  firebreak api openapi > openapi.json
  firebreak api openapi --3.0 > openapi-3.0.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			doc, err := app.OpenAPIDocument(cmd.Context(), buildinfo.Read().Token(), v30)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(append(doc, '\n'))
			return err
		},
	}
	openapi.Flags().BoolVar(&v30, "3.0", false, "print the OpenAPI 3.0 downgrade")
	api.AddCommand(openapi)
	return api
}
