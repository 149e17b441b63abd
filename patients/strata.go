package patients

import (
	"strings"
	"time"

	"equitrial"
	"equitrial/eligibility"
	"equitrial/equity"
	"equitrial/refdata"
)

// SMI strata values.
const (
	SMIYes     = "yes"
	SMINo      = "no"
	SMIUnknown = "unknown"
)

// Unknown is the age band and sex stratum when the profile does not say.
const Unknown = "unknown"

// DeriveStrata works out the groups a patient counts in for equity monitoring, from a
// normalised, valid profile, as of now. ref may be nil (no reference data loaded):
// IMD is then unknown, with a note saying why, and never an error.
//
// Decisions:
//   - IMD decile, quintile and edition are set together or not at all, so a decile
//     never travels without the edition (and nation) it belongs to; LSOA and nation
//     are kept even when the area has no decile in the loaded index.
//   - SMI is "yes" when the patient says so (the profile's smi, or a later answer
//     to the matching question) or has a coded diagnosis of serious mental
//     illness (ICD-10 F20–F29, F30–F31, directly, through SNOMED CT, or mapped from
//     text): a recorded diagnosis outweighs an answer of "no". It is "no" only on an
//     explicit "no" with no such diagnosis, and "unknown" otherwise: having no SMI
//     diagnosis on a self-registered profile is not evidence of not having one.
//   - The age band is computed at derivation time and stored; age bands therefore
//     drift for records not written for years, which the re-derivation job corrects.
func DeriveStrata(p *equitrial.Patient, ref *refdata.Reference, now time.Time) *equitrial.Strata {
	s := &equitrial.Strata{Sex: p.Sex, SMI: smiStratum(p), AgeBand: Unknown, DerivedAt: now.UTC().Truncate(time.Millisecond)}
	if s.Sex == "" {
		s.Sex = Unknown
	}
	s.EthnicGroup = ethnicGroup(p.EthnicCategory, p.Census2021Ethnicity)
	if age, ok := AgeOn(p.BirthDate, now); ok {
		s.AgeBand = equity.AgeBand(age)
	}
	switch {
	case p.Postcode == "":
		s.IMDNote = "no postcode given: IMD unknown"
	case ref == nil:
		s.IMDNote = "no postcode directory or deprivation index is loaded: IMD unknown"
	default:
		res := ref.Lookup(p.Postcode)
		s.LSOA = res.LSOA
		if res.Nation != refdata.NationUnknown {
			s.Nation = res.Nation.String()
		}
		if dir := ref.Directory(); dir != nil {
			s.PostcodeDirectory = dir.Label
		}
		if res.Found {
			s.IMDDecile, s.IMDQuintile, s.IMDEdition = res.IMDDecile, res.IMDQuintile, res.IMDEdition
		} else {
			s.IMDNote = res.Note
		}
	}
	return s
}

func smiStratum(p *equitrial.Patient) string {
	if AnySMIDiagnosis(p.Conditions) {
		return SMIYes
	}
	said := p.SMI
	// an answer to the matching question is the latest word, as in matching
	for _, a := range p.Answers {
		if a.Key == "smi" {
			switch strings.ToLower(a.Value) {
			case "yes":
				said = &yes
			case "no":
				said = &no
			}
		}
	}
	if said == nil {
		return SMIUnknown
	}
	if *said {
		return SMIYes
	}
	return SMINo
}

var yes, no = true, false

// AnySMIDiagnosis reports whether any condition is a serious mental illness, reading
// ICD-10 codes directly and SNOMED CT codes and uncoded text through the eligibility
// vocabulary.
func AnySMIDiagnosis(conds []equitrial.Condition) bool {
	for _, c := range conds {
		switch {
		case strings.EqualFold(c.Status, equitrial.ConditionAbsent):
			// confirmed not to have it
		case c.System == SystemICD10 && c.Code != "":
			if equitrial.SMIFromICD10(c.Code) {
				return true
			}
		case c.System == SystemSNOMED && c.Code != "":
			if code, ok := eligibility.CodeForSNOMED(c.Code); ok && equitrial.SMIFromICD10(code.ICD10) {
				return true
			}
		case c.Code == "" && c.Text != "":
			for _, code := range eligibility.LookupCondition(c.Text) {
				if equitrial.SMIFromICD10(code.ICD10) {
					return true
				}
			}
		}
	}
	return false
}

// AgeOn returns the age in whole years on now's date of someone born on birthDate
// (YYYY-MM-DD), and false when the date is missing, malformed or after now. Someone
// born on 29 February has their birthday on 1 March in other years, as UK law has it.
func AgeOn(birthDate string, now time.Time) (int, bool) {
	b, err := time.Parse(time.DateOnly, birthDate)
	if err != nil {
		return 0, false
	}
	t := today(now)
	if b.After(t) {
		return 0, false
	}
	age := t.Year() - b.Year()
	if t.Month() < b.Month() || t.Month() == b.Month() && t.Day() < b.Day() {
		age--
	}
	return age, true
}

// censusGroups maps census answer ids, the form Normalise stores, to their groups.
var censusGroups = func() map[string]equitrial.EthnicGroup {
	m := make(map[string]equitrial.EthnicGroup, len(equitrial.Census2021Ethnicities))
	for _, c := range equitrial.Census2021Ethnicities {
		m[c.ID] = c.Group
	}
	return m
}()

// ethnicGroup is equitrial.DeriveEthnicGroup's answer (the census answer wins, then
// the NHS code, else not known), with a fast path for the normalised forms: deriving
// strata for a million synthetic patients should not fold every census wording each
// time.
func ethnicGroup(code, census string) equitrial.EthnicGroup {
	if g, ok := censusGroups[census]; ok {
		return g
	}
	if census == "" {
		if code == "" {
			return equitrial.EthnicGroupNotKnown
		}
		if info, ok := equitrial.EthnicCategory(code); ok {
			return info.Group
		}
	}
	if d, err := equitrial.DeriveEthnicGroup(code, census); err == nil {
		return d.Group
	}
	return equitrial.EthnicGroupNotKnown
}
