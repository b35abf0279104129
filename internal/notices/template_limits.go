package notices

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/template"
	"text/template/parse"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// A template is code an administrator writes and the server runs, so each
// run has a budget: text/template cannot be interrupted, but it stops at
// the first error a function or the writer returns. So every loop body
// starts with a step that counts (and looks at the clock), the output goes
// through a writer that refuses to grow past the notice's size, and the
// functions that make text (printf and the like) count what they make.
// A template over its budget is refused when it is saved (it runs over a
// sample incident there) and when a notice is drafted from it.
const (
	// maxSteps bounds the loop iterations of one render: notices loop
	// over an incident's lists (data types, jurisdictions, roles), tens
	// of items; text/template takes microseconds an iteration.
	maxSteps = 10_000
	// maxTitleOutput bounds what the title part writes before its white
	// space is folded into one line.
	maxTitleOutput = 16 << 10
	// maxMade bounds the text functions make in one render, written or
	// kept in variables.
	maxMade = 4 << 20
	// maxRenderTime bounds one render by the wall clock: a resource
	// guard, not business time, so it reads the real (monotonic) clock.
	maxRenderTime = 2 * time.Second
	// maxVerbWidth bounds a printf width or precision.
	maxVerbWidth = 1000
)

// budget is what one render may still spend; err is the first overrun.
type budget struct {
	steps    int
	made     int
	deadline time.Time
	err      error
}

func (b *budget) start(now time.Time) { *b = budget{deadline: now.Add(maxRenderTime)} }

func (b *budget) fail(format string, args ...any) error {
	if b.err == nil {
		b.err = fmt.Errorf(format, args...)
	}
	return b.err
}

func (b *budget) late() error {
	if !b.deadline.IsZero() && time.Now().After(b.deadline) {
		return b.fail("takes more than %s to run", maxRenderTime)
	}
	return nil
}

// step is called at the head of every loop body.
func (b *budget) step() (string, error) {
	b.steps++
	if b.steps > maxSteps {
		return "", b.fail("runs its loops more than %d times", maxSteps)
	}
	if b.steps%256 == 0 {
		return "", b.late()
	}
	return "", nil
}

// spend counts n bytes of text made by a function.
func (b *budget) spend(n int) error {
	b.made += n
	if b.made > maxMade {
		return b.fail("makes more than %d bytes of text", maxMade)
	}
	return b.late()
}

// stepFunc is the function guard puts at the head of every loop body.
const stepFunc = "_step"

// funcs are the builtins that make text, counted, and the loop step.
func (b *budget) funcs() template.FuncMap {
	made := func(s string, err error) (string, error) {
		if err != nil {
			return "", err
		}
		return s, b.spend(len(s))
	}
	escaper := func(expand int, esc func(...any) string) func(...any) (string, error) {
		return func(args ...any) (string, error) {
			if err := b.spend(expand * textLen(args)); err != nil {
				return "", err
			}
			return made(esc(args...), nil)
		}
	}
	return template.FuncMap{
		stepFunc: b.step,
		"printf": func(format string, args ...any) (string, error) {
			verbs, err := checkVerbs(format)
			if err != nil {
				return "", b.fail("%s", err.Error())
			}
			// Each verb may print the longest argument, padded.
			if err := b.spend(len(format) + verbs*(longest(args)+maxVerbWidth)); err != nil {
				return "", err
			}
			return made(fmt.Sprintf(format, args...), nil)
		},
		"print": func(args ...any) (string, error) {
			if err := b.spend(textLen(args)); err != nil {
				return "", err
			}
			return made(fmt.Sprint(args...), nil)
		},
		"println": func(args ...any) (string, error) {
			if err := b.spend(textLen(args)); err != nil {
				return "", err
			}
			return made(fmt.Sprintln(args...), nil)
		},
		"html":     escaper(6, template.HTMLEscaper),
		"js":       escaper(6, template.JSEscaper),
		"urlquery": escaper(3, template.URLQueryEscaper),
		"join": func(list []string, sep string) (string, error) {
			if err := b.spend(len(sep) * len(list)); err != nil {
				return "", err
			}
			return made(strings.Join(list, sep), nil)
		},
	}
}

// textLen is the length of the strings among args.
func textLen(args []any) int {
	n := 0
	for _, a := range args {
		if s, ok := a.(string); ok {
			n += len(s)
		}
	}
	return n
}

func longest(args []any) int {
	n := 0
	for _, a := range args {
		if s, ok := a.(string); ok {
			n = max(n, len(s))
		}
	}
	return n
}

// checkVerbs counts a printf format's verbs and refuses a width or
// precision from an argument (*) or above maxVerbWidth.
func checkVerbs(format string) (int, error) {
	verbs := 0
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		if i < len(format) && format[i] == '%' {
			continue
		}
		verbs++
		num := 0
	verb:
		for ; i < len(format); i++ {
			c := format[i]
			switch {
			case c == '*':
				return 0, errors.New("uses a printf width or precision from an argument (*), which notice templates may not")
			case c >= '0' && c <= '9':
				num = num*10 + int(c-'0')
				if num > maxVerbWidth {
					return 0, fmt.Errorf("uses a printf width or precision above %d", maxVerbWidth)
				}
				continue
			case c == '.' || c == '[' || c == ']':
				num = 0
				continue
			case strings.IndexByte("+-# ", c) >= 0:
				continue
			}
			break verb
		}
	}
	return verbs, nil
}

// limitedWriter stops a template at limit bytes of output, or when its
// time is up.
type limitedWriter struct {
	w      io.Writer
	n      int
	limit  int
	budget *budget
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n+len(p) > l.limit {
		return 0, l.budget.fail("writes more than %d bytes", l.limit)
	}
	if err := l.budget.late(); err != nil {
		return 0, err
	}
	l.n += len(p)
	return l.w.Write(p)
}

// guard refuses sub-templates ({{define}}, {{block}}, {{template}}: a
// template calling itself would recurse) and puts a budget step at the
// head of every {{range}} body.
func guard(field string, t *template.Template) error {
	if len(t.Templates()) > 1 {
		return errs.E(errs.Invalid, field, "{{define}} and {{block}} are not supported in notice templates; write the text in place")
	}
	if t.Tree == nil {
		return nil
	}
	return guardNode(field, t.Tree, t.Tree.Root)
}

func guardNode(field string, tree *parse.Tree, n parse.Node) error {
	switch x := n.(type) {
	case *parse.ListNode:
		if x == nil {
			return nil
		}
		for _, c := range x.Nodes {
			if err := guardNode(field, tree, c); err != nil {
				return err
			}
		}
	case *parse.TemplateNode:
		return errs.E(errs.Invalid, field, "line %d: {{template}} is not supported in notice templates; write the text in place", x.Line)
	case *parse.IfNode:
		return guardBranch(field, tree, &x.BranchNode)
	case *parse.WithNode:
		return guardBranch(field, tree, &x.BranchNode)
	case *parse.RangeNode:
		if err := guardBranch(field, tree, &x.BranchNode); err != nil {
			return err
		}
		if x.List == nil {
			x.List = &parse.ListNode{NodeType: parse.NodeList, Pos: x.Pos}
		}
		x.List.Nodes = append([]parse.Node{stepNode(tree, x.Pos, x.Line)}, x.List.Nodes...)
	}
	return nil
}

func guardBranch(field string, tree *parse.Tree, b *parse.BranchNode) error {
	if err := guardNode(field, tree, b.List); err != nil {
		return err
	}
	return guardNode(field, tree, b.ElseList)
}

// stepNode is {{_step}} at the position of the loop it counts, so an
// overrun names the loop's line.
func stepNode(tree *parse.Tree, pos parse.Pos, line int) parse.Node {
	id := parse.NewIdentifier(stepFunc).SetTree(tree).SetPos(pos)
	cmd := &parse.CommandNode{NodeType: parse.NodeCommand, Pos: pos, Args: []parse.Node{id}}
	pipe := &parse.PipeNode{NodeType: parse.NodePipe, Pos: pos, Line: line, Cmds: []*parse.CommandNode{cmd}}
	return &parse.ActionNode{NodeType: parse.NodeAction, Pos: pos, Line: line, Pipe: pipe}
}

// budgetError says which limit a template ran into, with the line when
// the run's error names one.
func budgetError(field string, over, runErr error) error {
	where := ""
	if runErr != nil {
		if m := errLine.FindStringSubmatch(runErr.Error()); m != nil {
			where = "line " + m[1] + ": "
		}
	}
	return errs.E(errs.Invalid, field, "%sthe template %s; a notice template may loop at most %d times, write at most %d bytes of body (%d of title) and run for at most %s",
		where, over.Error(), maxSteps, maxBody, maxTitleOutput, maxRenderTime)
}
