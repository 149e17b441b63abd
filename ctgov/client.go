package ctgov

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"equitrial"
)

// DefaultBaseURL is the registry's API v2.
const DefaultBaseURL = "https://clinicaltrials.gov/api/v2"

// MaxPageSize is the most studies the API v2 returns on one page.
const MaxPageSize = 1000

// maxPageBytes bounds one page read into memory: 1,000 full records with results
// run to a few hundred megabytes at the very most.
const maxPageBytes = 512 << 20

const userAgent = "equitrial-registry-sync/1 (NHS clinical trial recruitment)"

// Client fetches pages of studies from the ClinicalTrials.gov API v2, one request
// at a time, within the rate limit, trying again after transient failures.
type Client struct {
	BaseURL string       // default DefaultBaseURL
	HTTP    *http.Client // default: one with a 2-minute timeout
	Limiter *Limiter     // nil sends without limit (tests)
	Retry   Retry
	// Sleep waits between attempts; nil waits on a timer. Tests pass one that
	// records the waits and returns at once.
	Sleep func(ctx context.Context, d time.Duration) error
	Log   *slog.Logger
}

// Page is one page of search results, its studies decoded (bad ones carry Err).
type Page struct {
	Records       []Record
	NextPageToken string // empty on the last page
	TotalCount    int    // the number of matching studies, when asked for (first page)
}

var defaultHTTP = &http.Client{Timeout: 2 * time.Minute}

// Fetch gets one page: GET {BaseURL}/studies with params. Each attempt waits for
// the rate limiter; a 429, a 5xx, a network error or a page cut short is tried
// again after an exponential back-off with jitter, or after the server's
// Retry-After, up to Retry.Attempts tries. Source names the page in records.
func (c *Client) Fetch(ctx context.Context, params url.Values, source string) (Page, error) {
	r := c.Retry.withDefaults()
	u := strings.TrimRight(or(c.BaseURL, DefaultBaseURL), "/") + "/studies?" + params.Encode()
	for attempt := 1; ; attempt++ {
		if err := c.Limiter.Wait(ctx); err != nil {
			return Page{}, stopped(err)
		}
		page, res := c.try(ctx, u, source)
		if res.err == nil {
			return page, nil
		}
		if ctx.Err() != nil {
			return Page{}, stopped(ctx.Err())
		}
		if !res.retry {
			return Page{}, res.err
		}
		if attempt >= r.Attempts {
			return Page{}, &equitrial.Error{Kind: equitrial.KindUnavailable, Op: "ctgov",
				Detail: fmt.Sprintf("could not fetch %s from the registry after %d attempts", source, attempt), Err: res.err}
		}
		wait := r.backoff(attempt)
		if res.hasRetryAfter {
			if res.retryAfter > r.MaxRetryAfter {
				return Page{}, &equitrial.Error{Kind: equitrial.KindTooMany, Op: "ctgov",
					Detail: fmt.Sprintf("the registry asks to wait %s before %s; run the sync again later (it resumes)", res.retryAfter, source), Err: res.err}
			}
			wait = res.retryAfter
		}
		c.log().Warn("registry request failed; trying again", "page", source, "attempt", attempt, "wait_ms", wait.Milliseconds(), "error", res.err.Error())
		if err := c.sleep(ctx, wait); err != nil {
			return Page{}, stopped(err)
		}
	}
}

// attempt is how one try went.
type attempt struct {
	err           error
	retry         bool          // transient: try again
	retryAfter    time.Duration // the server's Retry-After, when hasRetryAfter
	hasRetryAfter bool
}

func (c *Client) try(ctx context.Context, u, source string) (Page, attempt) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Page{}, attempt{err: equitrial.Errorf(equitrial.KindInvalid, "registry URL %q: %v", u, err)}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	res, err := hc.Do(req)
	if err != nil {
		return Page{}, attempt{err: err, retry: true}
	}
	defer res.Body.Close()
	switch {
	case res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500:
		io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10)) // so the connection is reused
		a := attempt{err: fmt.Errorf("HTTP %d from the registry", res.StatusCode), retry: true}
		a.retryAfter, a.hasRetryAfter = retryAfter(res.Header, time.Now())
		return Page{}, a
	case res.StatusCode != http.StatusOK:
		body, _ := io.ReadAll(io.LimitReader(res.Body, 500))
		detail := fmt.Sprintf("the registry refused the request for %s (HTTP %d): %s", source, res.StatusCode, strings.TrimSpace(string(body)))
		if strings.Contains(u, "pageToken=") {
			detail += " (if it refuses a saved page token, run the sync with --restart to start it over)"
		}
		return Page{}, attempt{err: &equitrial.Error{Kind: equitrial.KindInvalid, Op: "ctgov", Detail: detail}}
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, maxPageBytes+1))
	if err != nil {
		return Page{}, attempt{err: fmt.Errorf("reading %s: %w", source, err), retry: true}
	}
	if len(data) > maxPageBytes {
		return Page{}, attempt{err: equitrial.Errorf(equitrial.KindTooLarge, "%s is larger than %d MB; use a smaller page size", source, maxPageBytes>>20)}
	}
	page, err := decodePage(data, source)
	if err != nil {
		// A 200 whose body is not a whole JSON page was most likely cut short.
		return Page{}, attempt{err: err, retry: true}
	}
	return page, attempt{}
}

// decodePage reads an API v2 page: {"studies":[…],"nextPageToken":"…","totalCount":N}.
// Each study is decoded on its own, so one bad record does not spoil the page.
func decodePage(data []byte, source string) (Page, error) {
	var env struct {
		Studies       json.RawMessage `json:"studies"`
		NextPageToken string          `json:"nextPageToken"`
		TotalCount    int             `json:"totalCount"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return Page{}, equitrial.Errorf(equitrial.KindUnavailable, "%s is not a JSON page of studies: %s", source, describeJSONError(err))
	}
	studies := bytes.TrimSpace(env.Studies)
	if len(studies) == 0 || studies[0] != '[' {
		return Page{}, equitrial.Errorf(equitrial.KindUnavailable, "%s has no studies array", source)
	}
	p := Page{NextPageToken: env.NextPageToken, TotalCount: env.TotalCount}
	err := readArray(source, "studies[%d]", studies, func(r Record) error {
		p.Records = append(p.Records, r)
		return nil
	})
	return p, err
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	return sleep(ctx, d)
}

func (c *Client) log() *slog.Logger {
	if c.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Log
}

// stopped wraps a cancellation so that errors.Is(err, context.Canceled) still holds.
func stopped(err error) error {
	if err == nil {
		err = context.Canceled
	}
	return &equitrial.Error{Kind: equitrial.KindUnavailable, Op: "ctgov", Detail: "the sync was stopped", Err: err}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
