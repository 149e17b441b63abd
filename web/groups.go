package web

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"

	"equitrial/equity"
)

// The monitored dimensions and their groups, as the equity JSON names them, in the
// order dashboards show them. They are part of the API's published contract.
var dimensionOrder = []string{"ethnicGroup", "imdQuintile", "smi", "sex", "ageBand"}

var knownGroups = map[string][]string{
	"ethnicGroup": {"Asian", "Black", "Mixed", "White", "Other"},
	"imdQuintile": {"1", "2", "3", "4", "5"},
	"smi":         {"yes", "no"},
	"sex":         {"female", "male"},
	"ageBand":     {"0-17", "18-34", "35-49", "50-64", "65-74", "75+"},
}

func groupRank(dim, g string) int {
	if i := slices.Index(knownGroups[dim], g); i >= 0 {
		return i
	}
	return len(knownGroups[dim]) + 1
}

func dimName(dim string) string {
	if equity.IsDimension(dim) {
		return equity.DimensionLabel(dim)
	}
	return humanField(dim)
}

// groupName says a group in words. Patient strata and equity JSON share the group
// names ("Asian", "not_stated"); the words are equity's, as every dashboard view's.
func groupName(dim, g string) string { return equity.GroupLabel(dim, g) }

// statusName and statusClass show an equity status in the one vocabulary every
// view uses (equity.StatusWordOf): tables, alerts, charts and CSV alike.
func statusName(s string) string { return equity.StatusLabel(s) }

// statusClass colours a status's badge: under red, at risk orange, on target
// green, over blue, and grey for anything that makes no judgement.
func statusClass(s string) string { return "nhsuk-tag--" + equity.StatusWordOf(s).Tone }

func pct(f *float64) string {
	if f == nil {
		return "–"
	}
	return strconv.FormatFloat(*f*100, 'f', 1, 64) + "%"
}

func ratio(v, lo, hi *float64) string {
	if v == nil {
		return "–"
	}
	s := strconv.FormatFloat(*v, 'f', 2, 64)
	if lo != nil && hi != nil {
		s += " (" + strconv.FormatFloat(*lo, 'f', 2, 64) + " to " + strconv.FormatFloat(*hi, 'f', 2, 64) + ")"
	}
	return s
}

// countText shows a count; null is a count withheld from this view.
func countText(n *int) string {
	if n == nil {
		return "fewer than 8"
	}
	return strconv.Itoa(*n)
}

func num(f any) string {
	switch v := f.(type) {
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case int:
		return strconv.Itoa(v)
	}
	return fmt.Sprint(f)
}

func miles(km float64) float64 { return float64(int(km/1.609344*10+0.5)) / 10 }

// deref reads a pointer in a template: nil for a nil pointer.
func deref(v any) any {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer {
		return v
	}
	if rv.IsNil() {
		return nil
	}
	return rv.Elem().Interface()
}

func list(items ...string) []string { return items }
