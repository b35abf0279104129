package duties

import (
	"github.com/firebreak-ir/firebreak/internal/comms"
)

// FactFields renders facts the way facts.updated events name them: field
// to value, as in FactChange.To, with unset fields left out. Folding the
// changes of every facts.updated event over FactFields(comms.Facts{})
// gives FactFields of the facts stored; audit checks exactly that.
func FactFields(f comms.Facts) map[string]string {
	out := FactFields0()
	for _, c := range diffFacts(comms.Facts{}, f) {
		ApplyFactChange(out, c)
	}
	return out
}

// FactFields0 is FactFields of facts never set.
func FactFields0() map[string]string { return map[string]string{"personal_data": "false"} }

// ApplyFactChange folds one change into fields from FactFields.
func ApplyFactChange(fields map[string]string, c FactChange) {
	if c.To == "" {
		delete(fields, c.Field)
		return
	}
	fields[c.Field] = c.To
}
