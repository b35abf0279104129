package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/roster"
)

// "My on-call": the signed-in person's contact methods (each confirmed by
// a code it receives), the rules that say which to use when paged, their
// shifts for the next 14 days and their own calendar feed.

type meData struct {
	base
	Sub      string
	Contacts []contacts.Contact
	Rules    []ruleRow
	Shifts   []roster.UserShift
	ICS      string
	Contact  contactForm
	Rule     ruleForm
	Verify   verifyForm
	Kinds    []contactKind
}

type contactKind struct {
	Kind notify.Kind
	Name string
}

var contactKinds = []contactKind{
	{notify.KindEmail, "Email"},
	{notify.KindWebhook, "Webhook (signed JSON)"},
	{notify.KindSlack, "Slack"},
	{notify.KindTeams, "Microsoft Teams"},
}

type ruleRow struct {
	contacts.Rule
	Contact string // its contact's name and address
}

type contactForm struct {
	Kind, Name, Address, Channel string
}

type ruleForm struct {
	ContactID, Delay string
}

// verifyForm is a code that was not accepted, to show again with its contact.
type verifyForm struct {
	ID, Code string
}

func (s *Server) actor(r *http.Request) contacts.Actor {
	return contacts.Actor{User: userFrom(r).Username}
}

func (s *Server) mePage(w http.ResponseWriter, r *http.Request) {
	s.renderMe(w, r, http.StatusOK, func(d *meData) {})
}

// renderMe shows the page; set fills in what a failed form needs.
func (s *Server) renderMe(w http.ResponseWriter, r *http.Request, status int, set func(*meData)) {
	ctx := r.Context()
	me := userFrom(r).Username
	d := meData{base: s.base(r, "My on-call", "oncall"), Sub: "me", Kinds: contactKinds,
		Contact: contactForm{Kind: string(notify.KindEmail)}, Rule: ruleForm{Delay: "0"}}
	var err error
	if d.Contacts, err = s.contacts.Contacts(ctx, s.actor(r), me); err != nil {
		s.fail(w, r, err)
		return
	}
	rules, err := s.contacts.Rules(ctx, s.actor(r), me)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	names := map[string]string{}
	for _, c := range d.Contacts {
		names[c.ID] = c.Name + " (" + c.Address + ")"
	}
	for _, ru := range rules {
		d.Rules = append(d.Rules, ruleRow{Rule: ru, Contact: orDash(names[ru.ContactID])})
	}
	now := s.now()
	if d.Shifts, err = s.roster.ShiftsOf(ctx, me, now, now.Add(timelineDays*24*time.Hour)); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.ICS, err = s.roster.CalendarURL(ctx, "user", me, me); err != nil {
		s.fail(w, r, err)
		return
	}
	set(&d)
	s.render(w, r, status, "oncall_me", d)
}

// meDone finishes an action: back to the page with a note, or the page
// again with the error.
func (s *Server) meDone(w http.ResponseWriter, r *http.Request, err error, anchor, flash string, set func(*meData)) {
	if err == nil {
		http.Redirect(w, r, "/oncall/me?flash="+url.QueryEscape(flash)+"#"+anchor, http.StatusSeeOther)
		return
	}
	status := codeOf(err)
	if status == 0 {
		s.fail(w, r, err)
		return
	}
	retryAfter(w, err)
	s.renderMe(w, r, status, func(d *meData) {
		d.Error = fieldMessage(err)
		set(d)
	})
}

// fieldMessage is an error as a person reads it, naming the field when
// there is one: "target.address: … is not an email address".
func fieldMessage(err error) string {
	e, ok := errs.As(err)
	if !ok || e.Field == "" || len(e.Details) > 1 {
		return message(err)
	}
	return e.Field + ": " + e.Message
}

func (s *Server) addContact(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f := contactForm{Kind: r.PostFormValue("kind"), Name: strings.TrimSpace(r.PostFormValue("name")),
		Address: strings.TrimSpace(r.PostFormValue("address")), Channel: strings.TrimSpace(r.PostFormValue("channel"))}
	t := notify.Target{Kind: notify.Kind(f.Kind), Address: f.Address, Secret: r.PostFormValue("secret"), Channel: f.Channel}
	c, err := s.contacts.AddContact(r.Context(), s.actor(r), userFrom(r).Username, contacts.ContactInput{Name: f.Name, Target: t})
	s.meDone(w, r, err, "contact-"+c.ID, "We sent a code to "+c.Name+" ("+c.Address+"): enter it below to start using it.",
		func(d *meData) { d.Contact = f })
}

func (s *Server) verifyContact(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	id, code := r.PathValue("id"), strings.TrimSpace(r.PostFormValue("code"))
	c, err := s.contacts.VerifyContact(r.Context(), s.actor(r), id, code)
	s.meDone(w, r, err, "contact-"+id, c.Name+" is confirmed: pages can use it now.", func(d *meData) { d.Verify = verifyForm{ID: id, Code: code} })
}

func (s *Server) resendCode(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	err := s.contacts.ResendCode(r.Context(), s.actor(r), id)
	s.meDone(w, r, err, "contact-"+id, "We sent a new code; the old one no longer works.", func(*meData) {})
}

func (s *Server) testContact(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	res, err := s.contacts.TestContact(r.Context(), s.actor(r), id)
	flash := "Test page sent"
	if res.StatusCode != 0 {
		flash += fmt.Sprintf(": answered %d", res.StatusCode)
	}
	if res.Latency > 0 {
		flash += fmt.Sprintf(" in %d ms", res.Latency.Milliseconds())
	}
	s.meDone(w, r, err, "contact-"+id, flash+".", func(*meData) {})
}

func (s *Server) deleteContact(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	err := s.contacts.DeleteContact(r.Context(), s.actor(r), r.PathValue("id"))
	s.meDone(w, r, err, "contacts", "Contact method removed, with its notification rules.", func(*meData) {})
}

func (s *Server) addRule(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f := ruleForm{ContactID: r.PostFormValue("contact_id"), Delay: strings.TrimSpace(r.PostFormValue("delay_minutes"))}
	delay, err := strconv.Atoi(f.Delay)
	if err != nil {
		err = invalid("delay_minutes", "%q is not a whole number of minutes", f.Delay)
	} else {
		_, err = s.contacts.AddRule(r.Context(), s.actor(r), userFrom(r).Username, f.ContactID, delay)
	}
	when := "at once"
	if delay > 0 {
		when = fmt.Sprintf("after %d min", delay)
	}
	s.meDone(w, r, err, "rules", "Rule added: when paged, you are contacted "+when+".", func(d *meData) { d.Rule = f })
}

// rotateFeeds replaces every calendar feed URL the signed-in person holds.
func (s *Server) rotateFeeds(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	_, err := s.roster.RotateCalendars(r.Context(), s.actor(r), userFrom(r).Username)
	s.meDone(w, r, err, "feed", "New calendar feed addresses: the old ones, yours and the schedules', no longer work. Subscribe again with the new ones.", func(*meData) {})
}

func (s *Server) deleteRule(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	err := s.contacts.DeleteRule(r.Context(), s.actor(r), userFrom(r).Username, r.PathValue("id"))
	s.meDone(w, r, err, "rules", "Rule removed.", func(*meData) {})
}
