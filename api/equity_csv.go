package api

import (
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"equitrial"
	"equitrial/equity"
)

const (
	maxCSVBody   = 32 << 20 // 32 MB: some 400,000 rows
	maxCSVErrors = 100      // errors listed; all are counted
)

// csvColumns are the columns an anonymous strata upload may have; stage, at and
// site are required. Columns are found by header name, in any order.
var csvColumns = []string{"stage", "at", "site", "imdQuintile", "ethnicGroup", "smi", "sex", "ageBand", "reasons", "rowKey"}

func parseEventsCSV(r io.Reader, trialID string) ([]equity.Event, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, csvReadError(err, 1)
	}
	col := map[string]int{}
	var fields []equitrial.FieldError
	for i, h := range header {
		name := strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		known := ""
		for _, c := range csvColumns {
			if strings.EqualFold(c, name) {
				known = c
			}
		}
		switch {
		case known == "":
			fields = append(fields, equitrial.FieldError{Field: "line 1: " + name, Detail: "is not a column of the upload; the columns are " + strings.Join(csvColumns, ",")})
		case col[known] > 0:
			fields = append(fields, equitrial.FieldError{Field: "line 1: " + name, Detail: "appears twice"})
		default:
			col[known] = i + 1 // 0 means absent
		}
	}
	for _, req := range []string{"stage", "at", "site"} {
		if col[req] == 0 {
			fields = append(fields, equitrial.FieldError{Field: "line 1: " + req, Detail: "the required column is missing"})
		}
	}
	if len(fields) > 0 {
		return nil, equitrial.Invalid("the CSV header is not valid", fields...)
	}
	var events []equity.Event
	bad := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// The reader's own error carries the line; FieldPos is only valid after a
			// successful read.
			return nil, csvReadError(err, 0)
		}
		line, _ := cr.FieldPos(0)
		get := func(name string) string {
			if i := col[name]; i > 0 && i <= len(rec) {
				return strings.TrimSpace(rec[i-1])
			}
			return ""
		}
		if strings.Join(rec, "") == "" {
			continue // blank line
		}
		e, errs := csvEvent(get, trialID)
		if len(errs) > 0 {
			bad++
			for _, f := range errs {
				if len(fields) < maxCSVErrors {
					fields = append(fields, equitrial.FieldError{Field: "line " + strconv.Itoa(line) + ": " + f.Field, Detail: f.Detail})
				}
			}
			continue
		}
		events = append(events, e)
	}
	if len(fields) > 0 {
		return nil, equitrial.Invalid("no rows were stored: "+strconv.Itoa(bad)+" rows are not valid; fix them and upload the whole file again", fields...)
	}
	if len(events) == 0 {
		return nil, equitrial.Errorf(equitrial.KindInvalid, "the CSV has a header but no rows")
	}
	return events, nil
}

func csvReadError(err error, line int) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return equitrial.Errorf(equitrial.KindTooLarge, "the upload is larger than %d MB: split it", maxCSVBody>>20)
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return equitrial.Invalid("the CSV could not be read", equitrial.FieldError{Field: "line " + strconv.Itoa(pe.Line), Detail: pe.Err.Error()})
	}
	if errors.Is(err, io.EOF) {
		return equitrial.Errorf(equitrial.KindInvalid, "the CSV is empty: send a header line and rows")
	}
	return equitrial.Invalid("the CSV could not be read", equitrial.FieldError{Field: "line " + strconv.Itoa(line), Detail: err.Error()})
}

// csvEvent reads one row. Group values are read as people write them ("F",
// "prefer not to say", "Z"); the stage accepts "screen-failed" for screen_failed.
func csvEvent(get func(string) string, trialID string) (equity.Event, []equitrial.FieldError) {
	var fields []equitrial.FieldError
	add := func(f, d string) { fields = append(fields, equitrial.FieldError{Field: f, Detail: d}) }
	e := equity.Event{TrialID: trialID, Stage: equity.Stage(strings.ReplaceAll(strings.ToLower(get("stage")), "-", "_")),
		Site: get("site"), RowKey: get("rowKey"), Strata: &equity.Strata{}}
	if at := get("at"); at != "" {
		t, ok := parseTime(at)
		if !ok {
			add("at", "must be a time (RFC 3339) or a date (YYYY-MM-DD), not "+strconv.Quote(at))
		}
		e.At = t
	}
	group := func(dim string) string {
		raw := get(dim)
		g, ok := equity.NormalizeGroup(dim, raw)
		if !ok {
			add(dim, strconv.Quote(raw)+" is not one of "+strings.Join(equity.Groups(dim), ", ")+", or blank when not known")
		}
		return g
	}
	if q := group(equity.DimIMDQuintile); q != equity.GroupNotKnown && q != equity.GroupNotStated && q != "" {
		e.Strata.IMDQuintile, _ = strconv.Atoi(q)
	}
	e.Strata.EthnicGroup = group(equity.DimEthnicGroup)
	e.Strata.SMI = group(equity.DimSMI)
	e.Strata.Sex = group(equity.DimSex)
	e.Strata.AgeBand = group(equity.DimAgeBand)
	if r := get("reasons"); r != "" {
		for _, part := range strings.FieldsFunc(r, func(c rune) bool { return c == ';' || c == '|' }) {
			e.Reasons = append(e.Reasons, strings.TrimSpace(part))
		}
	}
	if len(fields) == 0 {
		var ve *equitrial.Error
		if errors.As(e.Validate(), &ve) {
			for _, f := range ve.Fields {
				fields = append(fields, equitrial.FieldError{Field: strings.TrimPrefix(f.Field, "strata."), Detail: f.Detail})
			}
		}
	}
	return e, fields
}
