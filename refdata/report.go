package refdata

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxProblems is how many problem rows a load report lists when the caller
// does not say; the counts cover every row regardless.
const DefaultMaxProblems = 50

// Problem is one row a load could not use, with the file's line number so a person
// can find it. Line is 0 for a problem found after reading, such as a postcode that
// appears twice (the directory sorts before it can tell).
type Problem struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
}

func (p Problem) String() string { return fmt.Sprintf("line %d: %s", p.Line, p.Message) }

// LoadReport says what a load read and what it made of it. A load does not fail for
// bad rows: it skips them, counts them and lists the first few.
type LoadReport struct {
	Rows         int               `json:"rows"`                   // data rows read, header excluded
	Loaded       int               `json:"loaded"`                 // rows now in the table
	Terminated   int               `json:"terminated,omitempty"`   // postcodes skipped because doterm is set
	NoLSOA       int               `json:"noLsoa,omitempty"`       // postcodes loaded without a small area
	NoLocation   int               `json:"noLocation,omitempty"`   // postcodes loaded without coordinates
	Skipped      int               `json:"skipped"`                // bad rows left out
	Columns      map[string]string `json:"columns"`                // what each field was read from
	Problems     []Problem         `json:"problems,omitempty"`     // the first MaxProblems bad rows
	MoreProblems int               `json:"moreProblems,omitempty"` // bad rows beyond those listed
}

type problemLog struct {
	rep *LoadReport
	max int
}

func (l problemLog) add(line int, format string, args ...any) {
	l.rep.Skipped++
	if len(l.rep.Problems) < l.max {
		l.rep.Problems = append(l.rep.Problems, Problem{Line: line, Message: fmt.Sprintf(format, args...)})
	} else {
		l.rep.MoreProblems++
	}
}

func maxProblems(n int) int {
	if n <= 0 {
		return DefaultMaxProblems
	}
	return n
}

// eachRow reads the data rows that follow a CSV's header: it counts them in rep,
// logs unreadable and short rows as problems with their line numbers and skips
// them, and calls fn with every other row. Only a failure to read stops it, so a
// bad row never costs the rest of a 2.6-million-row file.
func eachRow(cr *csv.Reader, what string, rep *LoadReport, probs problemLog, need, headerLen int, fn func(line int, rec []string)) error {
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				rep.Rows++
				probs.add(pe.Line, "%v", pe.Err)
				continue
			}
			return readError(what, err)
		}
		rep.Rows++
		line, _ := cr.FieldPos(0)
		if len(rec) < need {
			probs.add(line, "row has %d fields; the header has %d", len(rec), headerLen)
			continue
		}
		fn(line, rec)
	}
}
