package config

import (
	"errors"
	"fmt"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/tasks"
)

// TasksFile configures the reminders of response tasks:
//
//	tasks:
//	  remind_before: 15m    # the assignee hears this long before due (half-way when a task has less than twice this)
//	  escalate_after: 15m   # a required task overdue this long reaches the IR Lead and the commander
type TasksFile struct {
	RemindBefore  string `yaml:"remind_before"`
	EscalateAfter string `yaml:"escalate_after"`
}

// Bounds of the task reminders' durations.
const (
	minTaskReminder = time.Minute
	maxTaskReminder = 7 * 24 * time.Hour
)

func (f *File) checkTasks(data []byte) error {
	if f.Tasks == nil {
		return nil
	}
	for _, x := range []struct{ key, val string }{{"remind_before", f.Tasks.RemindBefore}, {"escalate_after", f.Tasks.EscalateAfter}} {
		if x.val == "" {
			continue
		}
		path := "tasks." + x.key
		d, err := time.ParseDuration(x.val)
		switch {
		case err != nil:
			return fmt.Errorf("%s%s: %q is not a duration (expected one such as 15m)", placeOf(data, path), path, x.val)
		case d < minTaskReminder || d > maxTaskReminder:
			return fmt.Errorf("%s%s: %s is out of range (expected %s to %s)", placeOf(data, path), path, x.val, minTaskReminder, "168h")
		}
	}
	return nil
}

// TaskReminders is the tasks block; zero durations (the defaults) where
// left out.
func (f File) TaskReminders() tasks.Config {
	var c tasks.Config
	if f.Tasks == nil {
		return c
	}
	c.RemindBefore, _ = time.ParseDuration(f.Tasks.RemindBefore) // checked by Parse
	c.EscalateAfter, _ = time.ParseDuration(f.Tasks.EscalateAfter)
	return c
}

// checkImpact checks the impact assessment form against the severities
// configured; each problem names its place in the file.
func (f *File) checkImpact(data []byte) error {
	if f.Impact == nil {
		return nil
	}
	var problems []error
	for _, d := range f.Impact.Check(f.levels()) {
		path := "impact." + d.Field
		problems = append(problems, fmt.Errorf("%s%s: %s", placeOf(data, path), path, d.Message))
	}
	if len(f.Impact.Dimensions) == 0 {
		problems = append(problems, fmt.Errorf("%simpact.dimensions: the assessment needs at least one dimension", placeOf(data, "impact")))
	}
	return errors.Join(problems...)
}

// levels are the severity levels in force.
func (f *File) levels() []incident.Level {
	if len(f.Severities) > 0 {
		return f.Severities
	}
	return incident.DefaultLevels()
}
