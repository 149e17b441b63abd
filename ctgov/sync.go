package ctgov

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"strconv"
	"time"

	"equitrial"
)

// Cursor is how far a sync of one query has got. It is saved after every page,
// so a run that fails resumes at the first page it did not import; a page
// imported but not yet recorded is fetched and imported again, which changes
// nothing.
type Cursor struct {
	Name      string // the key it is saved under
	Query     string // the query, in canonical form
	Since     string // the run's last-update filter, YYYY-MM-DD; empty: all dates
	PageToken string // the next page of the run; empty before its first page and after its last
	Status    string // CursorRunning, CursorFailed or CursorDone
	Pages     int    // pages of the run imported so far
	Counts    Counts // what the run's pages held and what became of them
	// RunHighWater is the latest last-update date seen in this run; HighWater is
	// that of the last completed run, where a run without a since date starts.
	RunHighWater string
	HighWater    string
	LastError    string
	StartedAt    time.Time
	UpdatedAt    time.Time
	CompletedAt  time.Time
	Version      int64 // set by the store: a save must name the version it read
}

// Cursor states.
const (
	CursorRunning = "running"
	CursorFailed  = "failed"
	CursorDone    = "done"
)

// Counts are a run's studies: fetched, and what the import made of them.
type Counts struct {
	Fetched   int `json:"fetched"`
	Imported  int `json:"imported"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Rejected  int `json:"rejected"`
}

// CursorStore keeps cursors between runs (the store's sync_state collection).
type CursorStore interface {
	// LoadCursor returns the cursor saved under name; ok is false when there is none.
	LoadCursor(ctx context.Context, name string) (c Cursor, ok bool, err error)
	// SaveCursor saves c if the stored cursor is still at c.Version (0: none is
	// stored), and sets c.Version to the new version; otherwise it fails with
	// KindConflict (another sync of the same name has saved meanwhile).
	SaveCursor(ctx context.Context, c *Cursor) error
}

// Importer imports one page's records: the same path as `equitrial import ctgov`.
// Records with Err set are to be counted and reported as rejected.
type Importer interface {
	ImportRecords(ctx context.Context, records []Record) (ImportResult, error)
}

// ImportResult is what an import made of a page.
type ImportResult struct {
	Imported, Updated, Unchanged, Rejected int
	Rejections                             []Rejection
}

// Rejection is one record that was not imported, where it was and why.
type Rejection struct {
	Where  string `json:"where"`
	Reason string `json:"reason"`
}

// maxRejectionsListed bounds the rejections a result lists; all are counted.
const maxRejectionsListed = 200

// Sync pages through a registry search and imports what it finds.
type Sync struct {
	Client   *Client
	Cursors  CursorStore
	Importer Importer
	PageSize int // studies per page; default and most MaxPageSize
	Log      *slog.Logger
	// Progress, if set, hears the cursor after each page is imported and saved.
	Progress func(Cursor)
}

// Request is one run of a sync.
type Request struct {
	Query Query
	Name  string // the cursor's key; default DefaultName(Query)
	// Since limits the run to studies whose last update was posted on or after
	// this date (YYYY-MM-DD). Empty continues from the last completed run's
	// high-water mark (everything, the first time).
	Since string
	// Restart starts a new run even when one stopped part-way; otherwise that
	// run resumes where it stopped (when its query and since date match).
	Restart bool
}

// DefaultName is the cursor key of a query: the same search shares one cursor,
// whether the CLI or the scheduled job runs it.
func DefaultName(q Query) string { return "ctgov?" + q.String() }

// Result is what a run did.
type Result struct {
	Name      string      `json:"name"`
	Query     string      `json:"query"`
	Since     string      `json:"since,omitempty"`
	ResumedAt int         `json:"resumedAt,omitempty"` // the page a stopped run resumed at; 0 for a new run
	Pages     int         `json:"pages"`               // pages in the run, those before a resume included
	Counts    Counts      `json:"counts"`              // likewise
	HighWater string      `json:"highWater,omitempty"` // where the next run without a since date starts
	Rejected  []Rejection `json:"rejections"`          // records rejected by this invocation (up to 200)
}

func (r Result) String() string {
	since := "all dates"
	if r.Since != "" {
		since = "since " + r.Since
	}
	s := fmt.Sprintf("%s, %s: %d pages, %d studies: %d imported, %d updated, %d unchanged, %d rejected",
		r.Query, since, r.Pages, r.Counts.Fetched, r.Counts.Imported, r.Counts.Updated, r.Counts.Unchanged, r.Counts.Rejected)
	if r.HighWater != "" {
		s += "; high-water mark " + r.HighWater
	}
	if r.ResumedAt > 0 {
		s += fmt.Sprintf(" (resumed at page %d)", r.ResumedAt)
	}
	return s
}

// Run syncs req's query: it resumes a run of the same query that stopped
// part-way, or starts one from req.Since or the last high-water mark, then fetches
// and imports page after page, saving the cursor after each. On failure the cursor
// is saved as failed, so the next run resumes at the page that failed.
func (s *Sync) Run(ctx context.Context, req Request) (Result, error) {
	if req.Query.IsZero() {
		return Result{}, equitrial.Invalid("a registry query is required", equitrial.FieldError{Field: "query", Detail: "empty"})
	}
	if req.Since != "" {
		if _, err := ParseSince(req.Since); err != nil {
			return Result{}, err
		}
	}
	name := req.Name
	if name == "" {
		name = DefaultName(req.Query)
	}
	query := req.Query.String()
	cur, found, err := s.Cursors.LoadCursor(ctx, name)
	if err != nil {
		return Result{}, fmt.Errorf("ctgov sync: loading the cursor of %s: %w", name, err)
	}
	if found && cur.Query != query {
		// The name was used for another search: its high-water mark says nothing
		// about this one.
		s.log().Warn("a sync of another query was saved under this name; starting afresh", "name", name, "was", cur.Query)
		cur = Cursor{Name: name, Version: cur.Version}
	}
	cur.Name = name
	res := Result{Name: name, Query: query}
	now := time.Now().UTC()
	if found && cur.Query == query && cur.Status != CursorDone && !req.Restart && (req.Since == "" || req.Since == cur.Since) {
		res.ResumedAt = cur.Pages + 1
	} else {
		since := req.Since
		if since == "" {
			since = cur.HighWater
		}
		cur.Since, cur.PageToken, cur.Pages, cur.Counts, cur.RunHighWater = since, "", 0, Counts{}, ""
		cur.StartedAt, cur.CompletedAt = now, time.Time{}
	}
	cur.Query, cur.Status, cur.LastError, cur.UpdatedAt = query, CursorRunning, "", now
	if err := s.Cursors.SaveCursor(ctx, &cur); err != nil {
		return Result{}, fmt.Errorf("ctgov sync: saving the cursor of %s: %w", name, err)
	}
	res.Since = cur.Since
	s.log().Info("registry sync started", "name", name, "since", cur.Since, "resumed_at_page", res.ResumedAt)

	pageSize := s.PageSize
	if pageSize <= 0 || pageSize > MaxPageSize {
		pageSize = MaxPageSize
	}
	params := req.Query.values(cur.Since)
	params.Set("pageSize", strconv.Itoa(pageSize))
	for cur.Status == CursorRunning {
		p := maps.Clone(params)
		if cur.PageToken != "" {
			p.Set("pageToken", cur.PageToken)
		} else {
			p.Set("countTotal", "true")
		}
		source := fmt.Sprintf("registry page %d", cur.Pages+1)
		page, err := s.Client.Fetch(ctx, p, source)
		if err != nil {
			return s.fail(ctx, &cur, res, err)
		}
		if page.NextPageToken != "" && page.NextPageToken == cur.PageToken {
			return s.fail(ctx, &cur, res, equitrial.Errorf(equitrial.KindOther, "the registry gave %s the token it was fetched with: stopping rather than loop", source))
		}
		imp, err := s.Importer.ImportRecords(ctx, page.Records)
		if err != nil {
			return s.fail(ctx, &cur, res, fmt.Errorf("importing %s: %w", source, err))
		}
		s.count(&cur, &res, page.Records, imp)
		cur.Pages++
		cur.PageToken = page.NextPageToken
		cur.UpdatedAt = time.Now().UTC()
		if cur.PageToken == "" {
			cur.Status, cur.CompletedAt = CursorDone, cur.UpdatedAt
			cur.HighWater = maxDate(cur.HighWater, cur.RunHighWater, cur.Since)
		}
		if err := s.Cursors.SaveCursor(ctx, &cur); err != nil {
			// The page is imported; a rerun fetches it again, to no effect.
			return s.result(cur, res), fmt.Errorf("ctgov sync: saving the cursor of %s after %s: %w", name, source, err)
		}
		if s.Progress != nil {
			s.Progress(cur)
		}
	}
	res = s.result(cur, res)
	s.log().Info("registry sync done", "name", name, "summary", res.String())
	return res, nil
}

// count adds a page's records and their import to the cursor and the result.
func (s *Sync) count(cur *Cursor, res *Result, records []Record, imp ImportResult) {
	cur.Counts.Fetched += len(records)
	cur.Counts.Imported += imp.Imported
	cur.Counts.Updated += imp.Updated
	cur.Counts.Unchanged += imp.Unchanged
	cur.Counts.Rejected += imp.Rejected
	for _, r := range imp.Rejections {
		if len(res.Rejected) < maxRejectionsListed {
			res.Rejected = append(res.Rejected, r)
		}
	}
	for _, r := range records {
		if r.Trial == nil {
			continue
		}
		if d, ok := PostedDate(r.Trial.LastUpdate); ok {
			cur.RunHighWater = maxDate(cur.RunHighWater, d)
		}
	}
}

// fail records the error in the cursor, keeping its page token, so the next run
// resumes at the page that failed. The save outlives a cancelled ctx.
func (s *Sync) fail(ctx context.Context, cur *Cursor, res Result, err error) (Result, error) {
	cur.Status, cur.LastError, cur.UpdatedAt = CursorFailed, err.Error(), time.Now().UTC()
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if serr := s.Cursors.SaveCursor(bg, cur); serr != nil {
		s.log().Error("saving the cursor of a failed sync", "name", cur.Name, "error", serr.Error())
	}
	s.log().Warn("registry sync stopped; the next run resumes", "name", cur.Name, "page", cur.Pages+1, "error", err.Error())
	return s.result(*cur, res), fmt.Errorf("ctgov sync %s: stopped at page %d, %d pages imported (the next run resumes there): %w",
		cur.Name, cur.Pages+1, cur.Pages, err)
}

func (s *Sync) result(cur Cursor, res Result) Result {
	res.Pages, res.Counts, res.HighWater = cur.Pages, cur.Counts, cur.HighWater
	if res.Rejected == nil {
		res.Rejected = []Rejection{}
	}
	return res
}

func (s *Sync) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// maxDate returns the latest of ISO dates (which sort as strings); empty ones are
// ignored.
func maxDate(dates ...string) string {
	var m string
	for _, d := range dates {
		if d > m {
			m = d
		}
	}
	return m
}
