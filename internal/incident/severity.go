package incident

// Level is one severity level. Levels are configuration.
type Level struct {
	Name        string `json:"name" yaml:"name"`
	Description string `json:"description" yaml:"description"`
	Significant bool   `json:"significant" yaml:"significant"`
}

// DefaultLevels are used when the configuration names none.
func DefaultLevels() []Level {
	return []Level{
		{Name: "SEV1", Description: "Critical: confirmed breach or a full outage of a core service; customer or regulatory impact likely.", Significant: true},
		{Name: "SEV2", Description: "High: significant degradation or a contained compromise of a production system.", Significant: true},
		{Name: "SEV3", Description: "Moderate: limited impact, a workaround exists, no sensitive data affected.", Significant: false},
		{Name: "SEV4", Description: "Low: minor issue or a suspicious event worth recording.", Significant: false},
	}
}

func (p *Policy) level(name string) (Level, bool) {
	for _, l := range p.Levels {
		if l.Name == name {
			return l, true
		}
	}
	return Level{}, false
}
