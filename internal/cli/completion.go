package cli

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/firebreak-ir/firebreak/internal/client"
)

// completionTimeout bounds a completion's call to the server: a shell
// waits on it at every Tab, so a slow or unreachable server gives no
// candidates rather than a hung prompt.
const completionTimeout = 2 * time.Second

// completing is a kind of thing the server can list for completion.
type completing int

const (
	noCompletion completing = iota
	incidentRefs
	userNames
	scheduleNames
	serviceNames
)

// argKinds says which placeholder of a command's Use names what: the
// placeholders are written once, for the help, and completion follows them.
var argKinds = map[string]completing{
	"REF": incidentRefs, "INC-7": incidentRefs, "INCIDENT": incidentRefs, "INTO": incidentRefs,
	"USER": userNames, "USERNAME": userNames,
	"SCHEDULE": scheduleNames,
	"SERVICE":  serviceNames,
}

// flagKinds are the flags that name those things, wherever they are defined.
var flagKinds = map[string]completing{
	"incident": incidentRefs,
	"user":     userNames, "assignee": userNames,
	"schedule": scheduleNames,
	"service":  serviceNames, "affected": serviceNames,
}

// useArgs reads the positional placeholders of a Use line ("assign REF
// ROLE USER", "tasks [REF]", "page (INCIDENT | --triage ID)"): one kind per
// position, up to the first alternative ("|").
func useArgs(use string) []completing {
	var kinds []completing
	for _, w := range strings.Fields(use)[1:] {
		if strings.Contains(w, "|") {
			break
		}
		w = strings.Trim(w, "[]()….")
		if w == "" || strings.HasPrefix(w, "-") {
			continue
		}
		kinds = append(kinds, argKinds[w])
	}
	return kinds
}

// addCompletion gives every command dynamic completion of the incident
// refs, users, schedules and services its arguments and flags name.
func addCompletion(g *globals, c *cobra.Command) {
	kinds := useArgs(c.Use)
	if c.Name() == "create" {
		kinds = nil // "users create USERNAME" names a new user
	}
	if c.ValidArgsFunction == nil && c.Runnable() && !groupOnly(c) && hasKind(kinds) {
		c.ValidArgsFunction = func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) >= len(kinds) || kinds[len(args)] == noCompletion {
				return nil, cobra.ShellCompDirectiveDefault
			}
			return g.candidates(cmd.Context(), kinds[len(args)], toComplete)
		}
	}
	register := func(f *pflag.Flag) {
		kind := flagKinds[f.Name]
		if f.Name == "owner" && strings.HasPrefix(c.CommandPath(), "firebreak actions") {
			kind = userNames // an action item's owner is a user; an asset's is anyone
		}
		if kind == noCompletion || f.Value.Type() == "bool" {
			return
		}
		// Registering twice is an error, not a change: the first wins.
		_ = c.RegisterFlagCompletionFunc(f.Name, func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return g.candidates(cmd.Context(), kind, toComplete)
		})
	}
	c.LocalNonPersistentFlags().VisitAll(register)
	c.PersistentFlags().VisitAll(register)
	for _, sub := range c.Commands() {
		addCompletion(g, sub)
	}
}

func hasKind(kinds []completing) bool {
	for _, k := range kinds {
		if k != noCompletion {
			return true
		}
	}
	return false
}

// candidates asks the server for the things of kind that start with
// prefix, each with a description. Any error (no token, server down,
// forbidden, too slow) gives no candidates: completion output is read by
// the shell, so an error message there would be offered as a word.
func (g *globals) candidates(ctx context.Context, kind completing, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	const directive = cobra.ShellCompDirectiveNoFileComp
	c, err := g.client()
	if err != nil {
		return nil, directive
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, completionTimeout)
	defer cancel()
	var out []cobra.Completion
	add := func(name, desc string) {
		if strings.HasPrefix(strings.ToLower(name), strings.ToLower(prefix)) {
			// A description is one line: shells split candidates on newlines.
			out = append(out, cobra.CompletionWithDesc(name, strings.Join(strings.Fields(desc), " ")))
		}
	}
	switch kind {
	case incidentRefs:
		page, err := c.List(ctx, client.ListOptions{States: []string{"all"}, Limit: 200})
		if err != nil {
			return nil, directive
		}
		for _, inc := range page.Items {
			add(inc.Ref, string(inc.State)+": "+inc.Title)
		}
	case userNames:
		users, err := c.Users(ctx)
		if err != nil {
			return nil, directive
		}
		for _, u := range users {
			if u.Active {
				add(u.Username, u.DisplayName)
			}
		}
	case scheduleNames:
		ss, err := c.Schedules(ctx)
		if err != nil {
			return nil, directive
		}
		for _, s := range ss {
			add(s.Name, s.TimeZone)
		}
	case serviceNames:
		ss, err := c.Services(ctx)
		if err != nil {
			return nil, directive
		}
		for _, s := range ss {
			add(s.Name, s.Description)
		}
	}
	return out, directive
}
