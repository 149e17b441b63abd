package equity

import (
	"encoding/json"
	"math"
	"strconv"
)

// Count is a number of people. In a sponsor's view a count of 1–7 is withheld: it
// is Suppressed and written to JSON as null.
type Count int

// Suppressed marks a withheld count.
const Suppressed Count = -1

// IsSuppressed reports whether the count was withheld.
func (c Count) IsSuppressed() bool { return c < 0 }

func (c Count) MarshalJSON() ([]byte, error) {
	if c < 0 {
		return []byte("null"), nil
	}
	return strconv.AppendInt(nil, int64(c), 10), nil
}

func (c *Count) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*c = Suppressed
		return nil
	}
	var n int
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*c = Count(n)
	return nil
}

// Float is a statistic that may be undefined (a share of nobody, a ratio to a target
// that is not set, a figure withheld from a sponsor). Undefined is NaN in Go and
// null in JSON, so that no client mistakes "cannot say" for zero.
type Float float64

// NaN is the undefined Float.
var NaN = Float(math.NaN())

// Defined reports whether f is a number.
func (f Float) Defined() bool { return !math.IsNaN(float64(f)) && !math.IsInf(float64(f), 0) }

func (f Float) MarshalJSON() ([]byte, error) {
	if !f.Defined() {
		return []byte("null"), nil
	}
	return json.Marshal(float64(f))
}

func (f *Float) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = NaN
		return nil
	}
	var x float64
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	*f = Float(x)
	return nil
}

func itoa(i int) string { return strconv.Itoa(i) }
