package store

import (
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// Full-text search of incidents: SQLite's FTS5 table incident_fts and
// PostgreSQL's incident_search with its tsvector (migration 00034), one
// row per incident keyed by its number, written in the transaction that
// writes the incident.

func (db *DB) searchTable() string {
	if db.dialect.postgres() {
		return "incident_search"
	}
	return "incident_fts"
}

func (db *DB) searchKey() string {
	if db.dialect.postgres() {
		return "number"
	}
	return "rowid"
}

// search is a list's text query: ranked by relevance unless the list is
// sorted otherwise or the text names an incident by its ref.
type search struct {
	terms  []string
	match  string // the backend's query string, never a syntax error
	ref    int64  // the number an INC-n query names, else 0
	ranked bool
	// screen: hide the restricted incidents viewer may not see. Set on
	// a ranked search, which applies it to the index's matches itself
	// (hiddenMatch) instead of through List's where clause.
	screen bool
	viewer string
}

// screenArgs are hiddenMatch's parameters, if the search screens.
func (s *search) screenArgs() []any {
	if !s.screen {
		return nil
	}
	return []any{s.viewer, s.viewer}
}

// newSearch reads a list's text; nil when it has none.
func (db *DB) newSearch(f incident.Filter) *search {
	text := strings.TrimSpace(f.Text)
	if text == "" {
		return nil
	}
	s := &search{terms: incident.SearchTerms(text)}
	quoted := make([]string, len(s.terms))
	for i, t := range s.terms {
		// Each term a quoted phrase: FTS5 and websearch_to_tsquery read
		// quoted text as words, never as operators.
		quoted[i] = `"` + t + `"`
	}
	s.match = strings.Join(quoted, " ")
	if m := refPattern.FindStringSubmatch(text); m != nil {
		s.ref, _ = strconv.ParseInt(m[1], 10, 64)
	}
	s.ranked = s.ref == 0 && f.Sort == "" && len(s.terms) > 0
	return s
}

// anyMatch is the backend's query string for a match of any of the
// terms, not all.
func (s *search) anyMatch() string {
	quoted := make([]string, len(s.terms))
	for i, t := range s.terms {
		quoted[i] = `"` + t + `"`
	}
	// websearch_to_tsquery's "or" and FTS5's OR: quoted terms stay words.
	return strings.Join(quoted, " OR ")
}

// none reports a query that can match nothing: punctuation alone.
func (s *search) none() bool { return len(s.terms) == 0 && s.ref == 0 }

// matchNumbers selects the numbers of the incidents matching one
// parameter, the query string.
func (db *DB) matchNumbers() string {
	if db.dialect.postgres() {
		return `SELECT number FROM incident_search WHERE doc @@ websearch_to_tsquery('english', ?)`
	}
	return `SELECT rowid FROM incident_fts WHERE incident_fts MATCH ?`
}

// filter is the where clause of an unranked list: matches, or the
// incident a ref names.
func (s *search) filter(db *DB) (string, []any) {
	switch {
	case s.ref != 0 && len(s.terms) > 0:
		return "(i.number = ? OR i.number IN (" + db.matchNumbers() + "))", []any{s.ref, s.match}
	case s.ref != 0:
		return "i.number = ?", []any{s.ref}
	}
	return "i.number IN (" + db.matchNumbers() + ")", []any{s.match}
}

// defaultSearchWindow is how many of the newest matches a ranked
// search scores (DB.searchWindow; tests make it small). Scoring every
// match of a common word costs in proportion to the matches: at a million
// incidents a word in a tenth of them took 450 ms. The newest matches
// come straight off the index in number order, so a window costs the
// same however common the words are.
const defaultSearchWindow = 1000

func (db *DB) window() int {
	if db.searchWindow > 0 {
		return db.searchWindow
	}
	return defaultSearchWindow
}

// matchKey is a match's number in newestMatches' query.
func (db *DB) matchKey() string {
	if db.dialect.postgres() {
		return "m.number"
	}
	return "incident_fts.rowid"
}

// newestMatches selects cols of the matches that pass where, newest
// first: the index is read backwards in number order and stops at the
// limit, the query's last parameter. The query string is the first
// parameter, then where's, then hiddenMatch's if s screens. The columns
// may use matchKey, and i (the incident) if join; where always may.
func (db *DB) newestMatches(cols string, where []string, s *search, join bool) string {
	return db.newestMatchesRanked(cols, where, s, join, false, false)
}

// newestMatchesRanked is newestMatches; on PostgreSQL, rank also gives
// each match its m.score, ts_rank's (higher is better), and sparse keeps
// the floor out of the index (see newestAbove).
func (db *DB) newestMatchesRanked(cols string, where []string, s *search, join, rank, sparse bool) string {
	// Ordered by the index's own key, so the planner reads it in order.
	key := db.matchKey()
	var q string
	if db.dialect.postgres() {
		// The matches' numbers from the GIN first, materialized: left to
		// itself the planner may read the key backwards testing every
		// row's tsvector, which for a rare word is the whole table.
		// Only numbers above a floor (the second parameter; see
		// newestAbove), so a common word does not list all its matches.
		// Ranked where the row is at hand: the range holds about as many
		// matches as the window, and reading each row again to rank it
		// after the limit cost a page read or hit per match.
		score, above := "", "number > ?"
		if rank {
			score = ", ts_rank(doc, query) AS score"
		}
		if sparse {
			above = "number + 0 > ?"
		}
		q = "WITH m AS MATERIALIZED (SELECT number" + score + " FROM incident_search, websearch_to_tsquery('english', ?) query WHERE doc @@ query AND " + above + ") " +
			"SELECT " + cols + " FROM m"
	} else {
		q = "SELECT " + cols + " FROM incident_fts"
	}
	// Only when needed: a seek into incidents per match is most of what
	// a window of matches spread over a large table costs.
	if join || len(where) > 0 {
		q += " JOIN incidents i ON i.number = " + key
	}
	if db.dialect.postgres() {
		q += " WHERE TRUE"
	} else {
		q += " WHERE incident_fts MATCH ?"
	}
	for _, w := range where {
		q += " AND " + w
	}
	if s.screen {
		q += " AND NOT " + db.hiddenMatch()
	}
	return q + " ORDER BY " + key + " DESC LIMIT ?"
}

// hiddenMatch holds for a match its viewer (the two parameters) may not
// see: restricted, not declared by them, and no role of theirs in it, as
// List's where clause says for a row of incidents. It probes only the
// restricted incidents (migration 00036's partial index): finding each
// match's row in incidents read a page or two of that large table per
// match, half of a slow search's CPU at a million incidents on SQLite and
// two thirds of the pages a PostgreSQL search read.
func (db *DB) hiddenMatch() string {
	if db.dialect.postgres() {
		// A scalar subquery, so it stays a probe per match: as EXISTS the
		// planner may turn it into a hash of every restricted incident
		// (2.5 s at a million).
		return "(SELECT true FROM incidents h WHERE h.number = " + db.matchKey() + " AND h.restricted AND h.declared_by <> ? " +
			"AND NOT EXISTS (SELECT 1 FROM incident_roles r WHERE r.incident_id = h.id AND r.username = ?) LIMIT 1) IS NOT NULL"
	}
	// INDEXED BY: SQLite prefers the unique index on number, which reads
	// the same pages the join did.
	return "EXISTS (SELECT 1 FROM incidents h INDEXED BY incidents_restricted WHERE h.number = " + db.matchKey() + " AND h.restricted AND h.declared_by <> ? " +
		"AND NOT EXISTS (SELECT 1 FROM incident_roles r WHERE r.incident_id = h.id AND r.username = ?))"
}

// scoredWindow selects number and score of the newest matches, lower
// scores better (bm25 is lower for better; ts_rank is negated).
func (db *DB) scoredWindow(where []string, s *search, sparse bool) string {
	if db.dialect.postgres() {
		return db.newestMatchesRanked("m.number, -m.score", where, s, false, true, sparse)
	}
	// A hit in the title weighs most, then the summary, then the rest.
	// SQLite evaluates bm25 only for the rows the limit lets through.
	return db.newestMatches("incident_fts.rowid, bm25(incident_fts, 8.0, 4.0, 1.0, 1.0)", where, s, false)
}

type scoredMatch struct {
	number int64
	score  float64
}

// rankCursor is where a ranked page ends: inside the scored window (a
// score and number) or past it (older than a number, newest first).
type rankCursor struct {
	past   bool
	score  float64
	number int64
}

// listRanked lists the best of the newest window() matches, best first
// and newest first among equals, then any older matches newest first.
// Ranking a window keeps a query's cost bounded however many incidents
// match; the matches past it are still listed, only not ranked.
func (db *DB) listRanked(ctx context.Context, s *search, where []string, args []any, cursor string, limit int) (incident.Page, error) {
	at := rankCursor{}
	if cursor != "" {
		var err error
		if at, err = decodeRankCursor(cursor); err != nil {
			return incident.Page{}, err
		}
	}
	var picked []scoredMatch
	below := int64(0) // where the matches past the window start; 0: none
	if !at.past {
		window, err := db.scoreWindow(ctx, s, where, args)
		if err != nil {
			return incident.Page{}, err
		}
		if len(window) == db.window() {
			below = window[len(window)-1].number
		}
		slices.SortFunc(window, func(a, b scoredMatch) int {
			if c := cmp.Compare(a.score, b.score); c != 0 {
				return c
			}
			return cmp.Compare(b.number, a.number)
		})
		if cursor != "" {
			i, _ := slices.BinarySearchFunc(window, at, func(m scoredMatch, at rankCursor) int {
				if m.score != at.score {
					return cmp.Compare(m.score, at.score)
				}
				return cmp.Compare(at.number, m.number)
			})
			for i < len(window) && window[i].score == at.score && window[i].number >= at.number {
				i++
			}
			window = window[i:]
		}
		picked = window[:min(len(window), limit+1)]
	} else {
		below = at.number
	}
	page := incident.Page{Items: make([]incident.Incident, 0, limit)}
	if len(picked) > 0 {
		docs, err := db.incidentsByNumber(ctx, picked)
		if err != nil {
			return incident.Page{}, err
		}
		page.Items = append(page.Items, docs...)
	}
	var older []int64
	if below > 0 && len(page.Items) <= limit {
		var err error
		older, err = db.olderMatches(ctx, s, where, args, below, limit+1-len(page.Items), &page)
		if err != nil {
			return incident.Page{}, err
		}
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		if limit <= len(picked) {
			last := picked[limit-1]
			page.NextCursor = encodeRankCursor(rankCursor{score: last.score, number: last.number})
		} else {
			page.NextCursor = encodeRankCursor(rankCursor{past: true, number: older[limit-1-len(picked)]})
		}
	}
	return page, nil
}

// newestAbove runs read for the newest want matches below top (0: no
// bound) on PostgreSQL, in growing ranges of numbers: read(floor) lists
// the matches above floor and returns how many it found. The GIN gives
// every match of a word before any ordering, so a word in half of a
// million incidents meant half a million rows joined and sorted for a
// window of 1,000 (p99 1.2 s at 1,000,000); a range of the newest numbers
// holds enough matches of a common word, and a rare word's few matches
// cost little in any range. A range that yields want matches holds the
// newest want overall, so the answer is the same as without ranges. On
// SQLite read runs once: FTS5 hands the matches over in number order.
//
// sparse asks read to find the range's matches through the GIN alone,
// testing each match's number on its row, rather than also reading the
// range off the primary key and intersecting: that read costs in
// proportion to the range (43 ms for 384,000 numbers), and a wide range
// is wide because the word is rare there. Chosen when the matches below
// the next range, at the density the last range held, cost less to read
// and drop than its primary-key entries (keyPerRow); not with filters,
// which may hide most matches from the count the density comes from.
func (db *DB) newestAbove(ctx context.Context, top int64, want int, filtered bool, read func(floor int64, sparse bool) (int, error)) error {
	if !db.dialect.postgres() {
		_, err := read(0, false)
		return err
	}
	if top <= 0 {
		if err := db.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(number), 0) + 1 FROM incident_search`).Scan(&top); err != nil {
			return fmt.Errorf("search incidents: %w", err)
		}
	}
	span := db.searchSpan
	if span <= 0 {
		span = int64(16 * max(want, 64))
	}
	sparse := false
	for {
		floor := max(top-span, 0)
		n, err := read(floor, sparse)
		if err != nil || n >= want || floor == 0 {
			return err
		}
		was := span
		// The next range sized by the matches this one held, with a
		// quarter to spare: a word in 1% of the incidents took three
		// ranges and read every one of its matches in the last; now two,
		// reading little more than it needs. None held: eight times as
		// wide, so a common word behind a filter never lists all its
		// matches at once.
		grow := int64(8)
		if n > 0 {
			grow = max(2, int64(want+want/4)/int64(n)+1)
		}
		span *= grow
		// The matches outside the next range, at the density this one
		// held, against the entries of the key that range spans.
		next := min(span, top)
		outside := float64(n) / float64(was) * float64(top-next)
		sparse = !filtered && n > 0 && outside*keyPerRow < float64(next)
	}
}

// keyPerRow is about how many primary-key entries a bitmap scan reads in
// the time a matching row is fetched and tested: 384,000 entries took
// 43 ms, 3,747 rows 25 ms (PostgreSQL 15, warm, 1,000,000 incidents).
const keyPerRow = 60

// scoreWindow reads the scored window, newest first.
func (db *DB) scoreWindow(ctx context.Context, s *search, where []string, args []any) ([]scoredMatch, error) {
	out := make([]scoredMatch, 0, 64)
	err := db.newestAbove(ctx, 0, db.window(), len(where) > 0, func(floor int64, sparse bool) (int, error) {
		out = out[:0]
		a := append(append(append([]any{s.match}, args...), s.screenArgs()...), db.window())
		if db.dialect.postgres() {
			a = append(append(append([]any{s.match, floor}, args...), s.screenArgs()...), db.window())
		}
		rows, err := db.queryRead(ctx, db.scoredWindow(where, s, sparse), a...)
		if err != nil {
			return 0, fmt.Errorf("search incidents: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var m scoredMatch
			if err := rows.Scan(&m.number, &m.score); err != nil {
				return 0, fmt.Errorf("search incidents: %w", err)
			}
			out = append(out, m)
		}
		if err := rows.Err(); err != nil {
			return 0, fmt.Errorf("search incidents: %w", err)
		}
		return len(out), nil
	})
	if err != nil {
		return nil, err
	}
	// PostgreSQL's join need not keep the window's order.
	slices.SortFunc(out, func(a, b scoredMatch) int { return cmp.Compare(b.number, a.number) })
	return out, nil
}

func incidentsByNumberSQL(n int) string {
	return "SELECT number, doc FROM incidents WHERE number IN (" + placeholders(n) + ")"
}

// searchHot are a ranked search's statements for List's default page of
// 50 without filters, prepared once per read connection on SQLite
// (stmts.go): parsing them was 6% of a search's CPU at a million
// incidents.
func (db *DB) searchHot() []string {
	return []string{
		db.scoredWindow(nil, &search{screen: true}, false),
		db.scoredWindow(nil, &search{}, false),
		incidentsByNumberSQL(51), // the page and one more, to know there is a next
		sqlitePassages(50, true),
	}
}

// incidentsByNumber reads the incidents of ms, in their order.
func (db *DB) incidentsByNumber(ctx context.Context, ms []scoredMatch) ([]incident.Incident, error) {
	args := make([]any, len(ms))
	for i, m := range ms {
		args[i] = m.number
	}
	rows, err := db.queryRead(ctx, incidentsByNumberSQL(len(ms)), args...)
	if err != nil {
		return nil, fmt.Errorf("search incidents: %w", err)
	}
	defer rows.Close()
	byNumber := make(map[int64]incident.Incident, len(ms))
	for rows.Next() {
		var n int64
		var doc string
		if err := rows.Scan(&n, &doc); err != nil {
			return nil, fmt.Errorf("search incidents: %w", err)
		}
		inc, err := decodeIncident(doc)
		if err != nil {
			return nil, err
		}
		byNumber[n] = inc
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search incidents: %w", err)
	}
	out := make([]incident.Incident, 0, len(ms))
	for _, m := range ms {
		// Gone between the two reads only if deleted, which incidents
		// never are; skipped rather than shown empty.
		if inc, ok := byNumber[m.number]; ok {
			out = append(out, inc)
		}
	}
	return out, nil
}

// olderMatches appends to page up to n matches older than below, newest
// first, and returns their numbers.
func (db *DB) olderMatches(ctx context.Context, s *search, where []string, args []any, below int64, n int, page *incident.Page) ([]int64, error) {
	where = append(slices.Clip(where), db.matchKey()+" < ?")
	args = append(slices.Clip(args), below)
	var numbers []int64
	had := len(page.Items)
	// Never sparse (filtered): the GIN alone would list the matches above
	// below too, which newestAbove's estimate leaves out.
	err := db.newestAbove(ctx, below, n, true, func(floor int64, sparse bool) (int, error) {
		page.Items, numbers = page.Items[:had], numbers[:0]
		a := append(append(append([]any{s.match}, args...), s.screenArgs()...), n)
		if db.dialect.postgres() {
			a = append(append(append([]any{s.match, floor}, args...), s.screenArgs()...), n)
		}
		rows, err := db.read.QueryContext(ctx, db.dialect.q(db.newestMatchesRanked("i.number, i.doc", where, s, true, false, sparse)), a...)
		if err != nil {
			return 0, fmt.Errorf("search incidents: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var num int64
			var doc string
			if err := rows.Scan(&num, &doc); err != nil {
				return 0, fmt.Errorf("search incidents: %w", err)
			}
			inc, err := decodeIncident(doc)
			if err != nil {
				return 0, err
			}
			page.Items = append(page.Items, inc)
			numbers = append(numbers, num)
		}
		if err := rows.Err(); err != nil {
			return 0, fmt.Errorf("search incidents: %w", err)
		}
		return len(numbers), nil
	})
	return numbers, err
}

func encodeRankCursor(c rankCursor) string {
	if c.past {
		return encodeRaw("o:" + strconv.FormatInt(c.number, 10))
	}
	return encodeRaw("r:" + strconv.FormatUint(math.Float64bits(c.score), 16) + ":" + strconv.FormatInt(c.number, 10))
}

func decodeRankCursor(c string) (rankCursor, error) {
	raw := decodeRaw(c)
	if s, ok := strings.CutPrefix(raw, "r:"); ok {
		if b, num, ok := strings.Cut(s, ":"); ok {
			bits, err1 := strconv.ParseUint(b, 16, 64)
			n, err2 := strconv.ParseInt(num, 10, 64)
			if score := math.Float64frombits(bits); err1 == nil && err2 == nil && !math.IsNaN(score) {
				return rankCursor{score: score, number: n}, nil
			}
		}
	}
	if s, ok := strings.CutPrefix(raw, "o:"); ok {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
			return rankCursor{past: true, number: n}, nil
		}
	}
	return rankCursor{}, errs.E(errs.Invalid, "cursor", "is not a cursor this server issued for this search")
}

func encodeRaw(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// decodeRaw is "" for what is not base64.
func decodeRaw(c string) string {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return ""
	}
	return string(b)
}

// listSearch lists the matches of a text query, in its order, with where
// each matched.
func (db *DB) listSearch(ctx context.Context, s *search, f incident.Filter, from, number string, where []string, args []any, limit int) (page incident.Page, err error) {
	switch {
	case s.ranked:
		page, err = db.listRanked(ctx, s, where, args, f.Cursor, limit)
	case f.Sort == incident.SortTaskDue:
		page, err = db.listByTaskDue(ctx, from, number, where, args, f.Cursor, limit)
	default:
		page, err = db.listNewest(ctx, from, number, where, args, limit)
	}
	if err != nil {
		return incident.Page{}, err
	}
	return page, db.attachMatches(ctx, s, &page, s.ranked)
}
