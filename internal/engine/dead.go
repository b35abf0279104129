package engine

import "time"

// Discarded is a dead job an admin set aside: kept for the record, no
// longer listed with the dead ones, never run.
const Discarded State = "discarded"

// DeadJob is a dead-lettered (or discarded) job as people see it. Its
// arguments are left out; LastError never holds a reply's body.
type DeadJob struct {
	ID          string     `json:"id"`
	Kind        string     `json:"kind"`
	State       State      `json:"state"`
	Attempts    int        `json:"attempts"`
	MaxAttempts int        `json:"max_attempts"`
	LastError   string     `json:"last_error"`
	CreatedAt   time.Time  `json:"created_at"`
	FinishedAt  *time.Time `json:"finished_at,omitempty"`
}
