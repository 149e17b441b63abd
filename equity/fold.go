package equity

import (
	"slices"
	"time"
)

// Participant is one person's current place in a trial's pipeline, folded from
// their events.
type Participant struct {
	Key        string    `json:"key"`                 // "p:"+patientId, "r:"+site+"/"+rowKey, or "e:"+event id/position
	PatientID  string    `json:"patientId,omitempty"` // empty for anonymous strata rows
	Site       string    `json:"site"`                // site of the latest event
	Stage      Stage     `json:"stage"`               // latest stage
	StageAt    time.Time `json:"stageAt"`             // time of the latest event
	Enrolled   bool      `json:"enrolled"`            // enrolled now (see Fold)
	EnrolledAt time.Time `json:"enrolledAt,omitzero"` // start of the current enrolment
	Strata     Strata    `json:"strata"`              // as looked up, or the latest strata given
	Reasons    []string  `json:"reasons,omitempty"`   // reasons of the latest event
}

// StrataLookup gives an equitrial patient's strata from their record; ok is false
// when the patient is not known (their events' own strata, if any, are then used).
type StrataLookup func(patientID string) (s Strata, ok bool)

// Fold replays a trial's events into its participants, in order of first event.
//
// The rules, because corrections are new events rather than edits:
//   - A participant's events are taken in time order; events at the same instant
//     keep the order given (the order they were appended).
//   - The latest event gives the current stage, site and reasons.
//   - A participant is enrolled when their last enrolled-or-withdrawn event is an
//     enrolment: a withdrawal ends an enrolment, a later enrolment starts a new one.
//     Other stages recorded after an enrolment (a late "screened" correction, say)
//     do not undo it; only a withdrawal does.
//   - EnrolledAt is the first enrolment since the last withdrawal, so repeated
//     "enrolled" events do not move a participant later in the series.
//   - Strata: for a patient, lookup's answer when it has one, else the latest
//     strata any event carried; for an anonymous participant, the latest strata.
func Fold(events []Event, lookup StrataLookup) []Participant {
	type key struct {
		kind byte
		a, b string
	}
	index := make(map[key]int, len(events))
	var groups [][]int
	for i := range events {
		e := &events[i]
		var k key
		switch {
		case e.PatientID != "":
			k = key{'p', e.PatientID, ""}
		case e.RowKey != "":
			k = key{'r', e.Site, e.RowKey}
		default:
			groups = append(groups, []int{i}) // an anonymous row is its own participant
			continue
		}
		if g, ok := index[k]; ok {
			groups[g] = append(groups[g], i)
		} else {
			index[k] = len(groups)
			groups = append(groups, []int{i})
		}
	}
	out := make([]Participant, len(groups))
	for gi, idx := range groups {
		slices.SortStableFunc(idx, func(a, b int) int { return events[a].At.Compare(events[b].At) })
		p := &out[gi]
		var strata *Strata
		for _, i := range idx {
			e := &events[i]
			switch e.Stage {
			case StageEnrolled:
				if !p.Enrolled {
					p.Enrolled, p.EnrolledAt = true, e.At
				}
			case StageWithdrawn:
				p.Enrolled, p.EnrolledAt = false, time.Time{}
			}
			if e.Strata != nil {
				strata = e.Strata
			}
		}
		last := &events[idx[len(idx)-1]]
		p.PatientID, p.Site, p.Stage, p.StageAt, p.Reasons = last.PatientID, last.Site, last.Stage, last.At, last.Reasons
		p.Key = participantKey(&events[idx[0]], idx[0])
		found := false
		if p.PatientID != "" && lookup != nil {
			p.Strata, found = lookup(p.PatientID)
		}
		if !found && strata != nil {
			p.Strata = *strata
		}
	}
	return out
}

func participantKey(e *Event, pos int) string {
	switch {
	case e.PatientID != "":
		return "p:" + e.PatientID
	case e.RowKey != "":
		return "r:" + e.Site + "/" + e.RowKey
	case e.ID != "":
		return "e:" + e.ID
	}
	return "e:#" + itoa(pos)
}
