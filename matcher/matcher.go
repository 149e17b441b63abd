package matcher

import (
	"context"
	"time"

	"equitrial"
)

// Matcher answers the two questions nurses ask: which recruiting trials could
// this patient join (ForPatient), and which registered patients could join this
// trial (ForTrial). Every field but Index, Trials and Patients is optional.
type Matcher struct {
	Index    *Index        // candidate trials for a patient
	Trials   *TrialCache   // compiled criteria of every stored trial
	Patients *PatientIndex // consented patients' features, for trial → patients
	// Locate gives a postcode's coordinates (from the postcode directory); nil, or
	// false for a postcode, means distance is unknown and no radius applies.
	Locate func(postcode string) (equitrial.LatLon, bool)
	// OpenFlags lists a trial's open under-representation alerts, for outreach
	// ordering; nil means none.
	OpenFlags func(ctx context.Context, nctID string) ([]Flag, error)
	// Seen is the record of when each match was first seen; nil: matches carry no
	// first-seen time and none is marked new.
	Seen MatchLog
	Now  func() time.Time

	memo candidateMemo
}

// MatchLog records each patient–trial match with the time it was first seen;
// store.Matches is one.
type MatchLog interface {
	// Record upserts one trial's matches seen at `at` (patient id → status),
	// keeping the first-seen time of those already recorded, and says how many
	// were new.
	Record(ctx context.Context, trialID string, statuses map[string]string, at time.Time) (newMatches int, err error)
	// FirstSeen gives the first-seen times of recorded matches between one trial
	// and the given patients (patientID "") or one patient and the given trials
	// (trialID ""), keyed by the other side's id; absent: never recorded.
	FirstSeen(ctx context.Context, trialID, patientID string, others []string) (map[string]time.Time, error)
}

func (m *Matcher) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// isNew says whether a match counts as new for someone who last looked at since:
// first seen after it, or not yet recorded at all (found since the last re-match).
func isNew(first time.Time, recorded bool, since time.Time) bool {
	if since.IsZero() {
		return false
	}
	return !recorded || first.After(since)
}

func timePtr(t time.Time, ok bool) *time.Time {
	if !ok {
		return nil
	}
	t = t.UTC()
	return &t
}
