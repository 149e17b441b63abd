package equity

import (
	"slices"
	"time"
)

// Series is cumulative enrolment over time, by group, in columns: At[i] is the end
// of step i (the last is now), Enrolled[i] everyone enrolled by then, and
// Groups[dim][group][i] those in the group. It is the history of the people
// enrolled now (withdrawn participants are left out throughout), so its last point
// agrees with the dashboard's counts. Every group of every dimension is listed,
// occupied or not, so a sponsor's series cannot tell an empty group from a
// withheld one.
type Series struct {
	StepDays int                           `json:"stepDays"`
	At       []time.Time                   `json:"at"`
	Enrolled []Count                       `json:"enrolled"`
	Groups   map[string]map[string][]Count `json:"groups"`
}

// buildSeries buckets enrolments into steps starting at the Monday (UTC) of the week
// of the first enrolment, so points fall on the same weekdays across trials.
func buildSeries(ps []Participant, now time.Time, step time.Duration, maxPoints int) Series {
	s := Series{StepDays: int(step / (24 * time.Hour)), At: []time.Time{}, Enrolled: []Count{},
		Groups: map[string]map[string][]Count{}}
	first := time.Time{}
	for i := range ps {
		if ps[i].Enrolled && (first.IsZero() || ps[i].EnrolledAt.Before(first)) {
			first = ps[i].EnrolledAt
		}
	}
	if first.IsZero() || first.After(now) {
		return s
	}
	day := first.UTC().Truncate(24 * time.Hour)
	start := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	span := now.Sub(start)
	w := int((span + step - 1) / step)
	for w > maxPoints {
		step *= 2
		w = int((span + step - 1) / step)
	}
	w = max(w, 1)
	s.StepDays = int(step / (24 * time.Hour))

	// Per-step counts for the total and every dimension slot, then running sums.
	width := len(dimOrder) * maxGroups
	cells := make([]int, (width+1)*w)
	for i := range ps {
		p := &ps[i]
		if !p.Enrolled {
			continue
		}
		b := min(int(p.EnrolledAt.Sub(start)/step), w-1)
		cells[b]++
		for d, dim := range dimOrder {
			cells[(1+d*maxGroups+groupIndex(dim, p.Strata.Group(dim)))*w+b]++
		}
	}
	for r := 0; r <= width; r++ {
		row := cells[r*w : (r+1)*w]
		for i := 1; i < w; i++ {
			row[i] += row[i-1]
		}
	}
	s.At = make([]time.Time, w)
	for i := range s.At {
		s.At[i] = start.Add(time.Duration(i+1) * step)
	}
	s.At[w-1] = now
	s.Enrolled = toCounts(cells[:w])
	for d, dim := range dimOrder {
		for slot := 0; slot < slots(dim); slot++ {
			row := cells[(1+d*maxGroups+slot)*w : (2+d*maxGroups+slot)*w]
			if s.Groups[dim] == nil {
				s.Groups[dim] = map[string][]Count{}
			}
			s.Groups[dim][groupAt(dim, slot)] = toCounts(row)
		}
	}
	return s
}

func toCounts(xs []int) []Count {
	out := make([]Count, len(xs))
	for i, x := range xs {
		out[i] = Count(x)
	}
	return out
}

// sponsorSeries is the sponsor's version of a series: every count disclosed, every
// group of every dimension listed (a group missing from s, as in series stored
// before they listed every group, is a group no one is in), and the points before
// 8 people had enrolled left out, so that whether and when the first few enrolled
// is not shown either.
func sponsorSeries(s Series) Series {
	first := 0
	for first < len(s.Enrolled) && Disclose(int(s.Enrolled[first])).IsSuppressed() {
		first++
	}
	w := len(s.Enrolled) - first
	out := Series{StepDays: s.StepDays, At: slices.Clone(s.At[min(first, len(s.At)):]),
		Groups: make(map[string]map[string][]Count, len(dimOrder))}
	conv := func(xs []Count) []Count {
		ys := make([]Count, w)
		for i := range ys {
			c := 0
			if j := first + i; j < len(xs) {
				c = int(xs[j])
			}
			ys[i] = Disclose(c)
		}
		return ys
	}
	out.Enrolled = conv(s.Enrolled)
	for _, dim := range dimOrder {
		m := make(map[string][]Count, slots(dim))
		for slot := range slots(dim) {
			g := groupAt(dim, slot)
			m[g] = conv(s.Groups[dim][g])
		}
		out.Groups[dim] = m
	}
	return out
}
