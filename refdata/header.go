package refdata

import (
	"bufio"
	"encoding/csv"
	"io"
	"slices"
	"strings"
	"unicode"
)

// normaliseHeader makes header names comparable however a release spells them:
// byte-order mark and surrounding space removed, lower case, underscores as spaces,
// runs of white space collapsed. "\ufeffLSOA_code " and "lsoa  code" compare equal.
func normaliseHeader(h string) string {
	h = strings.TrimPrefix(h, "\ufeff")
	h = strings.ReplaceAll(h, "_", " ")
	return strings.Join(strings.Fields(strings.ToLower(h)), " ")
}

// headerWords splits a normalised header into its alphanumeric words, so that "imd"
// matches "IMD_decile" and "(IMD)" but not "SIMD" or "IDACI".
func headerWords(h string) []string {
	return strings.FieldsFunc(h, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// headerIndex maps normalised header names to their column positions.
type headerIndex struct {
	raw  []string
	norm []string
}

func newHeaderIndex(header []string) headerIndex {
	h := headerIndex{raw: append([]string(nil), header...), norm: make([]string, len(header))}
	for i, name := range header {
		h.norm[i] = normaliseHeader(name)
	}
	return h
}

// find returns the first column whose normalised name is one of names, tried in the
// order given (earlier names are preferred), or -1.
func (h headerIndex) find(names ...string) int {
	for _, want := range names {
		want = normaliseHeader(want)
		for i, got := range h.norm {
			if got == want {
				return i
			}
		}
	}
	return -1
}

// findPrefix returns the first column whose normalised name starts with one of the
// prefixes, tried in order, or -1.
func (h headerIndex) findPrefix(prefixes ...string) int {
	for _, p := range prefixes {
		p = normaliseHeader(p)
		for i, got := range h.norm {
			if strings.HasPrefix(got, p) {
				return i
			}
		}
	}
	return -1
}

func (h headerIndex) names() string { return strings.Join(h.raw, ", ") }

// skipBOM drops a UTF-8 byte-order mark from the start of r. It must go before the CSV
// reader: a BOM in front of a quoted first header ("\ufeff\"pcd\"") is otherwise a
// CSV syntax error, not just an odd header name.
func skipBOM(r io.Reader) io.Reader {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		br.Discard(3)
	}
	return br
}

// openCSV starts reading a reference CSV: byte-order mark skipped, rows of any
// length, records reused, and the header row read and kept (ReuseRecord would
// overwrite it with the next row). Every loader opens its file alike, so they share
// this; what names the file in errors.
func openCSV(r io.Reader, what string) (*csv.Reader, []string, error) {
	cr := csv.NewReader(skipBOM(r))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, nil, readError(what, err)
	}
	return cr, slices.Clone(header), nil
}
