package httpapi

import (
	"context"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/roster"
)

// The generic routes of each kind of on-call object (teams, schedules,
// policies, services, incident rules): list, get, put, delete.

// ObjectOutput is one object; 201 when a PUT created it.
type ObjectOutput[T any] struct {
	Status int
	Body   T
}

// objectRoutes are the routes of one kind of on-call object: list, get,
// create or replace, delete.
type objectRoutes[T any] struct {
	s *Server
	k objectKind[T]
}

// putObjectInput is an object PUT at its own path.
type putObjectInput[T any] struct {
	NameParam
	Body T
}

func registerObjects[T any](s *Server, api huma.API, k objectKind[T]) {
	r := objectRoutes[T]{s: s, k: k}
	tags := []string{"On-call"}
	base := "/api/v1/" + k.path
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "list-" + k.many, Method: http.MethodGet, Path: base, Tags: tags,
		Summary: "List " + strings.ReplaceAll(k.many, "-", " "), Description: k.describeIt + " Sorted by name.",
	}), r.list)
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "get-" + k.one, Method: http.MethodGet, Path: base + "/{name}", Tags: tags,
		Summary: "Get " + aOrAn(strings.ReplaceAll(k.one, "-", " ")), Description: k.describeIt,
	}), r.get)
	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "put-" + k.one, Method: http.MethodPut, Path: base + "/{name}", Tags: tags,
		Summary: "Create or replace " + aOrAn(strings.ReplaceAll(k.one, "-", " ")),
		Description: k.describeIt + " The body's " + k.nameField + " must be the one in the path, or left out. " +
			"The whole configuration is checked before anything is stored: a problem answers 422 naming the field " +
			"and nothing changes. 201 when created, 200 when replaced.",
	}), r.put)
	alsoAnswers(api, http.MethodPut, base+"/{name}", http.StatusCreated, "Created.")
	optionalField(api, reflect.TypeFor[T](), k.nameField)
	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "delete-" + k.one, Method: http.MethodDelete, Path: base + "/{name}", Tags: tags,
		Summary: "Delete " + aOrAn(strings.ReplaceAll(k.one, "-", " ")), DefaultStatus: http.StatusNoContent,
		Description: "Refused with 422 naming the referring objects while anything still refers to it.",
	}), r.del)
}

func (r objectRoutes[T]) list(ctx context.Context, _ *struct{}) (*struct{ Body Items[T] }, error) {
	o, err := r.s.roster.Objects(ctx)
	if err != nil {
		return nil, r.s.problem(ctx, err)
	}
	m := r.k.all(o)
	out := make([]T, 0, len(m))
	for _, n := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[n])
	}
	return items(out), nil
}

func (r objectRoutes[T]) get(ctx context.Context, in *NameParam) (*struct{ Body T }, error) {
	o, err := r.s.roster.Objects(ctx)
	if err != nil {
		return nil, r.s.problem(ctx, err)
	}
	v, ok := r.k.all(o)[in.Name]
	if !ok {
		return nil, r.s.problem(ctx, errs.E(errs.NotFound, "name", "no %s named %q", r.k.kind, in.Name))
	}
	return &struct{ Body T }{Body: v}, nil
}

func (r objectRoutes[T]) put(ctx context.Context, in *putObjectInput[T]) (*ObjectOutput[T], error) {
	s, k := r.s, r.k
	v := in.Body
	switch n := k.name(v); {
	case n == "":
		k.setName(&v, in.Name)
	case n != in.Name:
		return nil, s.problem(ctx, errs.E(errs.Invalid, k.nameField, "is %q but the path names %q: leave it out or make them match (renaming is delete and create)", n, in.Name))
	}
	o, err := s.roster.Objects(ctx)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	_, existed := k.all(o)[in.Name]
	if err := s.roster.Put(ctx, viewer(ctx).User, v); err != nil {
		return nil, s.problem(ctx, relativeTo(err, k.prefix+"."+in.Name))
	}
	status := http.StatusOK
	if !existed {
		status = http.StatusCreated
	}
	return &ObjectOutput[T]{Status: status, Body: v}, nil
}

func (r objectRoutes[T]) del(ctx context.Context, in *NameParam) (*struct{}, error) {
	if err := r.s.roster.Delete(ctx, viewer(ctx).User, roster.Key{Kind: r.k.kind, Name: in.Name}); err != nil {
		return nil, r.s.problem(ctx, err)
	}
	return nil, nil
}

// optionalField makes a body field optional in t's schema: the name of an
// object PUT at its own path may be left out.
func optionalField(api huma.API, t reflect.Type, field string) {
	sc := api.OpenAPI().Components.Schemas.Schema(t, false, "")
	if i := slices.Index(sc.Required, field); i >= 0 {
		sc.Required = slices.Delete(sc.Required, i, i+1)
		sc.PrecomputeMessages()
	}
}

// relativeTo names the problems of the object at prefix ("policies.primary")
// relative to its body ("steps[0].delay_minutes"); problems elsewhere in the
// configuration keep their full path.
func relativeTo(err error, prefix string) error {
	e, ok := errs.As(err)
	if !ok {
		return err
	}
	rel := func(f string) string {
		if r, ok := strings.CutPrefix(f, prefix+"."); ok {
			return r
		}
		return f
	}
	c := *e
	c.Field = rel(c.Field)
	c.Details = nil
	for _, d := range e.Details {
		c.Details = append(c.Details, errs.Detail{Field: rel(d.Field), Message: d.Message})
	}
	return &c
}

// aOrAn puts the indefinite article before a kind's name.
func aOrAn(noun string) string {
	if noun != "" && strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}
