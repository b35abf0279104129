package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
)

func usersCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "users", Aliases: []string{"user"}, Short: "List, create and change users (admin)"}
	cmd.AddCommand(usersListCmd(g), usersCreateCmd(g), usersUpdateCmd(g), usersSetPasswordCmd(g), whoamiCmd(g))
	return cmd
}

func printUsers(g *globals, users []auth.User) error {
	return g.print(users, func(w io.Writer) {
		t := tab(w)
		fmt.Fprintln(t, "USERNAME\tNAME\tEMAIL\tROLE\tACTIVE")
		for _, u := range users {
			fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%v\n", u.Username, u.DisplayName, dash(u.Email), u.Role, u.Active)
		}
		t.Flush()
	})
}

func usersListCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List users", Example: `  firebreak users list
  firebreak users list -o json | jq -r '.items[].username'`, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			users, err := c.Users(cmd.Context())
			if err != nil {
				return err
			}
			return printUsers(g, users)
		},
	}
}

func usersCreateCmd(g *globals) *cobra.Command {
	var b httpapi.UserBody
	cmd := &cobra.Command{
		Use: "create USERNAME", Short: "Create a user", Args: cobra.ExactArgs(1),
		Example: "  firebreak users create alice --name \"Alice Liddell\" --email alice@example.com --role responder",
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			b.Username = args[0]
			u, err := c.CreateUser(cmd.Context(), b)
			if err != nil {
				return err
			}
			return printUsers(g, []auth.User{u})
		},
	}
	cmd.Flags().StringVar(&b.DisplayName, "name", "", "display name")
	cmd.Flags().StringVar(&b.Email, "email", "", "email address")
	cmd.Flags().StringVar(&b.Role, "role", "responder", "viewer, responder or admin")
	return cmd
}

func usersUpdateCmd(g *globals) *cobra.Command {
	var name, email, role string
	var active bool
	cmd := &cobra.Command{
		Use: "update USERNAME", Short: "Change a user's name, email, role, or deactivate them", Args: cobra.ExactArgs(1),
		Example: "  firebreak users update alice --role admin\n  firebreak users update bob --active=false",
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			var b httpapi.UserPatchBody
			fl := cmd.Flags()
			if fl.Changed("name") {
				b.DisplayName = &name
			}
			if fl.Changed("email") {
				b.Email = &email
			}
			if fl.Changed("role") {
				b.Role = &role
			}
			if fl.Changed("active") {
				b.Active = &active
			}
			if b == (httpapi.UserPatchBody{}) {
				return usage("nothing to change: give --name, --email, --role or --active")
			}
			u, err := c.UpdateUser(cmd.Context(), args[0], b)
			if err != nil {
				return err
			}
			return printUsers(g, []auth.User{u})
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "display name")
	cmd.Flags().StringVar(&email, "email", "", "email address")
	cmd.Flags().StringVar(&role, "role", "", "viewer, responder or admin")
	cmd.Flags().BoolVar(&active, "active", true, "false deactivates the user")
	return cmd
}

func usersSetPasswordCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "set-password USERNAME",
		Short: "Set a user's web sign-in password, read as one line from standard input; their sessions end",
		Long: "Set a user's web sign-in password (10–256 bytes), read as one line from standard input\n" +
			"so it stays out of the shell history and the process list. The user's web sessions end;\n" +
			"their API tokens keep working.",
		Example: "  read -rs PW && printf '%s\\n' \"$PW\" | firebreak users set-password alice\n" +
			"  firebreak users set-password alice < password.txt",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pw, err := readLine(g.env.Stdin)
			if err != nil {
				return err
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			if err := c.SetPassword(cmd.Context(), args[0], pw); err != nil {
				return err
			}
			fmt.Fprintf(g.env.Stdout, "Password set for %s\n", args[0])
			return nil
		},
	}
}

// readLine reads one line, without its line ending, from r. Other spaces are
// kept: they may be part of a password.
func readLine(r io.Reader) (string, error) {
	if r == nil {
		return "", errors.New("no password on standard input")
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read standard input: %w", err)
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", errors.New("no password on standard input: give it as one line")
	}
	return line, nil
}

func whoamiCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "whoami", Short: "Show the user the token belongs to", Example: `  firebreak users whoami`, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			u, err := c.Me(cmd.Context())
			if err != nil {
				return err
			}
			return printUsers(g, []auth.User{u})
		},
	}
}
