package httpapi

// PlanViewOf is planView, for the test that it answers plan.Versioned's
// JSON.
var PlanViewOf = planView
