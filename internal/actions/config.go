package actions

import "time"

// DefaultRemindBefore is how long before its due date an item's owner is
// reminded when the policy file does not say.
const DefaultRemindBefore = 48 * time.Hour

// Config is the organisation's settings for action items (policy file
// actions:).
type Config struct {
	// Zone is the time zone due dates are days in: an item is due by the
	// end of its date there. UTC when nil.
	Zone *time.Location
	// RemindBefore is the lead time of the reminder before due; an item
	// given less time than that is reminded half-way instead.
	RemindBefore time.Duration
	// Webhooks receive every create and change, signed as contacts'
	// webhooks are (package notify).
	Webhooks []Webhook
	// GitHub, when set, opens an issue for every new item and links it.
	GitHub *GitHub
}

// WithDefaults fills in what is zero.
func (c Config) WithDefaults() Config {
	if c.Zone == nil {
		c.Zone = time.UTC
	}
	if c.RemindBefore <= 0 {
		c.RemindBefore = DefaultRemindBefore
	}
	return c
}

// Webhook is a receiver of action item events.
type Webhook struct {
	// Name names it in the delivery list.
	Name string
	// URL is where events are POSTed; it may carry a token, so it is
	// shown only as scheme://host/….
	URL string
	// Secret is the HMAC key (at least 16 bytes), from the environment.
	Secret string
}

// GitHub is the ready mapping of new items to GitHub issues.
type GitHub struct {
	// Owner and Repo name the repository issues are opened in.
	Owner, Repo string
	// Token is a token allowed to open issues there, read from the
	// environment at start; never stored, logged or shown.
	Token string
	// APIURL is the REST API's root; https://api.github.com when empty
	// (GitHub Enterprise Server: https://HOST/api/v3).
	APIURL string
	// Labels are put on every issue opened.
	Labels []string
}

// DefaultGitHubAPI is GitHub's REST API root.
const DefaultGitHubAPI = "https://api.github.com"

// dueAt is the instant date (YYYY-MM-DD, checked) ends in loc: an item is
// overdue from then.
func dueAt(date time.Time, loc *time.Location) time.Time {
	y, m, d := date.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, loc).UTC()
}

// today is the date it is at now in loc.
func today(now time.Time, loc *time.Location) time.Time {
	y, m, d := now.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
