package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// The passages of a search's page: for each incident the field shown and
// a passage of it with the query's hits marked.

// headlineOptions asks ts_headline for one passage with hits delimited
// as SQLite's snippet() delimits them.
const headlineOptions = "StartSel=" + incident.Mark + ", StopSel=" + incident.Unmark + ", MaxWords=20, MinWords=8, MaxFragments=1, FragmentDelimiter=\" … \""

// attachMatches finds, for each incident of the page, the first field
// holding a hit and a passage of it with the hits marked. inOrder: the
// page was listed off the index newest first (a ranked search), so the
// matches between its numbers are few.
func (db *DB) attachMatches(ctx context.Context, s *search, page *incident.Page, inOrder bool) error {
	if len(s.terms) == 0 || len(page.Items) == 0 {
		return nil
	}
	ids := make(map[int64]string, len(page.Items))
	numbers := make([]int64, 0, len(page.Items))
	for _, inc := range page.Items {
		ids[inc.Number] = inc.ID
		numbers = append(numbers, inc.Number)
	}
	page.Matches = make(map[string]incident.Match, len(page.Items))
	if db.dialect.postgres() {
		var err error
		if numbers, err = db.firstWholeMatches(ctx, s, numbers, ids, page.Matches); err != nil || len(numbers) == 0 {
			return err
		}
	}
	// Each field's passage and whether the field matches the whole query
	// by itself: a passage of the field that does is shown before one of
	// a field that holds some of the words only.
	var query string
	if db.dialect.postgres() {
		h := func(col string) string {
			return "ts_headline('english', " + col + ", query, '" + headlineOptions + "'), to_tsvector('english', " + col + ") @@ query"
		}
		query = "SELECT number, " + h("title") + ", " + h("summary") + ", " + h("left(timeline, 200000)") + ", " + h("left(postmortem, 200000)") +
			" FROM incident_search, websearch_to_tsquery('english', ?) query WHERE number IN (" + placeholders(len(numbers)) + ")"
	} else {
		query = sqlitePassages(len(numbers), inOrder && !db.dialect.postgres())
	}
	args := append([]any{s.match}, toAny(numbers)...)
	if inOrder && !db.dialect.postgres() {
		args = append([]any{s.match, slices.Min(numbers), slices.Max(numbers)}, toAny(numbers)...)
	}
	rows, err := db.queryRead(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("search snippets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n int64
		var parts [4]sql.NullString
		var whole [4]bool
		if err := rows.Scan(&n, &parts[0], &whole[0], &parts[1], &whole[1], &parts[2], &whole[2], &parts[3], &whole[3]); err != nil {
			return fmt.Errorf("search snippets: %w", err)
		}
		var some *incident.Match
		for i, field := range incident.SearchFields {
			m, ok := incident.ParseSnippet(field, parts[i].String)
			if ok && whole[i] {
				some = &m
				break
			}
			if ok && some == nil {
				some = &m
			}
		}
		if some != nil {
			page.Matches[ids[n]] = *some
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("search snippets: %w", err)
	}
	return nil
}

// firstWholeMatches attaches, on PostgreSQL, a passage of the first
// field that matches the whole query by itself or, when none does, of
// the first that holds any of its terms, and returns the numbers of the
// incidents it could not: no field holds a term, or a passage without a
// hit. ts_headline parses its text again each call and is most of a
// search's cost, so the headline is made only for the field shown. Which
// field that is comes from the stored tsvector's weights where they tell
// (A the title, B the summary), and parsing the notes or the post-mortem
// only when weight C holds the terms: it held both, so it cannot say which.
// For an incident it returns, attachMatches compares every field's passage.
func (db *DB) firstWholeMatches(ctx context.Context, s *search, numbers []int64, ids map[int64]string, into map[string]incident.Match) ([]int64, error) {
	h := func(col, q string) string {
		return "ts_headline('english', " + col + ", " + q + ", '" + headlineOptions + "')"
	}
	// pick is the first field matching q: 0 to 3, else NULL.
	pick := func(q string) string {
		return "CASE WHEN ts_filter(doc, '{a}') @@ " + q + " THEN 0 WHEN ts_filter(doc, '{b}') @@ " + q + " THEN 1 " +
			"WHEN NOT ts_filter(doc, '{c}') @@ " + q + " THEN NULL " +
			"WHEN to_tsvector('english', timeline) @@ " + q + " THEN 2 WHEN to_tsvector('english', postmortem) @@ " + q + " THEN 3 END"
	}
	// f: 0 to 3 a field matching the whole query, 4 to 7 one holding
	// some of its terms (whose passage marks those, not the whole query).
	// OFFSET 0 keeps the subquery whole, so each field is matched once.
	query := "SELECT number, f, CASE f WHEN 0 THEN " + h("title", "query") + " WHEN 1 THEN " + h("summary", "query") +
		" WHEN 2 THEN " + h("timeline", "query") + " WHEN 3 THEN " + h("postmortem", "query") +
		" WHEN 4 THEN " + h("title", "anyq") + " WHEN 5 THEN " + h("summary", "anyq") +
		" WHEN 6 THEN " + h("timeline", "anyq") + " WHEN 7 THEN " + h("postmortem", "anyq") + " END " +
		"FROM (SELECT number, query, anyq, title, summary, timeline, postmortem, COALESCE(" + pick("query") + ", 4 + " + pick("anyq") + ") AS f " +
		"FROM (SELECT number, doc, title, summary, left(timeline, 200000) AS timeline, left(postmortem, 200000) AS postmortem FROM incident_search WHERE number IN (" + placeholders(len(numbers)) + ")) r, " +
		"websearch_to_tsquery('english', ?) query, websearch_to_tsquery('english', ?) anyq OFFSET 0) x"
	args := append(toAny(numbers), s.match, s.anyMatch())
	rows, err := db.read.QueryContext(ctx, db.dialect.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("search snippets: %w", err)
	}
	defer rows.Close()
	var rest []int64
	for rows.Next() {
		var n int64
		var field sql.NullInt64
		var passage sql.NullString
		if err := rows.Scan(&n, &field, &passage); err != nil {
			return nil, fmt.Errorf("search snippets: %w", err)
		}
		if field.Valid {
			if m, ok := incident.ParseSnippet(incident.SearchFields[field.Int64%4], passage.String); ok {
				into[ids[n]] = m
				continue
			}
		}
		rest = append(rest, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search snippets: %w", err)
	}
	return rest, nil
}

// sqlitePassages selects each field's passage of n incidents, by number.
func sqlitePassages(n int, inOrder bool) string {
	// snippet() marks only what matches the query's phrases, so every
	// passage it marks is of a field that matches.
	sn := func(col int) string {
		return fmt.Sprintf("snippet(incident_fts, %d, char(2), char(3), '…', 16), 1", col)
	}
	query := "SELECT rowid, " + sn(0) + ", " + sn(1) + ", " + sn(2) + ", " + sn(3) +
		" FROM incident_fts WHERE incident_fts MATCH ? AND rowid IN (" + placeholders(n) + ")"
	if inOrder {
		// One pass over the matches between the page's first and last
		// number, not a fresh full-text query per incident (each seeks
		// every segment of the index: 2.5 times the cost). The page came
		// off the index in number order, so its list query already read
		// every match in that range; +rowid keeps FTS5 from taking the
		// list as 50 separate lookups again.
		query = strings.Replace(query, "rowid IN (", "rowid BETWEEN ? AND ? AND +rowid IN (", 1)
	}
	return query
}
