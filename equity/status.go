package equity

// Group statuses. The first four are the rules; insufficient_data and
// target_not_set say why no judgement is made; suppressed appears only in a
// sponsor's view, when withheld counts leave the status undecided.
const (
	StatusUnder        = "under"
	StatusAtRisk       = "at_risk"
	StatusOnTarget     = "on_target"
	StatusOver         = "over"
	StatusInsufficient = "insufficient_data"
	StatusTargetNotSet = "target_not_set"
	StatusSuppressed   = "suppressed"
)

// Thresholds of the status rules, fixed by the issue.
const (
	PPRUnder    = 0.8 // below this a group is under-represented
	PPROver     = 1.2 // above this a group is over-represented
	MinExpected = 5.0 // below this many expected participants, no judgement
)

// Classify applies the status rules, in the order: insufficient_data when
// expected < 5, else under when pprHigh < 0.8, over when pprLow > 1.2, at_risk when
// ppr < 0.8, else on_target.
func Classify(expected, ppr, pprLow, pprHigh float64) string {
	switch {
	case !(expected >= MinExpected): // also catches NaN
		return StatusInsufficient
	case pprHigh < PPRUnder:
		return StatusUnder
	case pprLow > PPROver:
		return StatusOver
	case ppr < PPRUnder:
		return StatusAtRisk
	}
	return StatusOnTarget
}

// severity orders statuses for alerting: 0 is no concern, 1 at risk, 2 under.
// Statuses that make no judgement (insufficient_data, target_not_set, suppressed)
// are -1: they neither raise nor resolve an alert.
func severity(status string) int {
	switch status {
	case StatusOnTarget, StatusOver:
		return 0
	case StatusAtRisk:
		return 1
	case StatusUnder:
		return 2
	}
	return -1
}
