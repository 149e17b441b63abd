package patients

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"equitrial"
	"equitrial/equity"
	"equitrial/internal/testdata"
)

// spellings are the ways people type one postcode.
func spellings(pc string) []string {
	compact := strings.ReplaceAll(pc, " ", "")
	out := compact[:len(compact)-3] + " " + compact[len(compact)-3:]
	return []string{pc, strings.ToLower(compact), "  " + strings.ToLower(out) + " ", out[:len(out)-4] + "-" + out[len(out)-3:], strings.ToLower(out[:len(out)-4]) + "   " + out[len(out)-3:]}
}

// Postcode → LSOA → decile, checked against the shared files for thousands of
// postcodes, each typed five ways.
func TestStrataFromSharedReferenceData(t *testing.T) {
	ref, dir := testdata.SharedReference(t, "imd2019_england_lsoa11.csv", "IMD2019")
	deciles := map[string]int{}
	for _, row := range testdata.ReadCSV(t, filepath.Join(dir, "imd2019_england_lsoa11.csv"))[1:] {
		d, _ := strconv.Atoi(row[1])
		deciles[row[0]] = d
	}
	rows := testdata.ReadCSV(t, filepath.Join(dir, "onspd_sample_100k.csv"))
	checked := 0
	for i := 1; i < len(rows); i += 37 {
		pc, lsoa := rows[i][0], rows[i][3]
		want, inIMD := deciles[lsoa]
		if strings.HasSuffix(lsoa, "99999999") {
			lsoa = "" // Channel Islands and Isle of Man pseudo-codes: no small area
		}
		for _, typed := range spellings(pc) {
			p := &equitrial.Patient{Postcode: typed}
			Normalise(p)
			s := DeriveStrata(p, ref, fixedNow)
			if s.LSOA != lsoa {
				t.Fatalf("%q (row %d): LSOA %q, want %q", typed, i+1, s.LSOA, lsoa)
			}
			if inIMD {
				if s.IMDDecile != want || s.IMDQuintile != (want+1)/2 || s.IMDEdition != "IMD2019" || s.Nation != "England" || s.IMDNote != "" {
					t.Fatalf("%q (row %d, %s): strata %+v, want decile %d", typed, i+1, lsoa, s, want)
				}
				checked++
			} else if s.IMDDecile != 0 || s.IMDEdition != "" || s.IMDNote == "" {
				t.Fatalf("%q (row %d, %s not in the English index): strata %+v; want IMD unknown with a note", typed, i+1, lsoa, s)
			}
		}
	}
	if checked < 5000 {
		t.Fatalf("only %d postcode spellings checked against the index", checked)
	}
}

func TestStrataNationsAndUnknowns(t *testing.T) {
	ref, dir := testdata.SharedReference(t, "imd_uk_lsoa_deciles.csv", "UK-mixed")
	rows := testdata.ReadCSV(t, filepath.Join(dir, "onspd_sample_100k.csv"))
	seen := map[string]bool{}
	for _, row := range rows[1:] {
		lsoa := row[3]
		if lsoa == "" || seen[lsoa[:1]] {
			continue
		}
		s := DeriveStrata(&equitrial.Patient{Postcode: row[0]}, ref, fixedNow)
		want := map[byte]string{'E': "England", 'W': "Wales", 'S': "Scotland", '9': "Northern Ireland"}[lsoa[0]]
		if want != "" {
			seen[lsoa[:1]] = true
			if s.Nation != want || s.IMDDecile == 0 {
				t.Errorf("%s in %s: strata %+v, want a decile within %s", row[0], lsoa, s, want)
			}
		}
	}
	if !seen["E"] || !seen["W"] || !seen["S"] { // the sample has no Northern Ireland postcodes
		t.Errorf("nations seen: %v", seen)
	}
	for _, c := range []struct{ postcode, note string }{
		{"ZZ99 9ZZ", "not a valid UK postcode"}, {"SW1A 0ZZ", "not in the postcode directory"}, {"", "no postcode given"},
	} {
		s := DeriveStrata(&equitrial.Patient{Postcode: c.postcode}, ref, fixedNow)
		if s.IMDDecile != 0 || !strings.Contains(s.IMDNote, c.note) {
			t.Errorf("%q: strata %+v, want IMD unknown noting %q", c.postcode, s, c.note)
		}
	}
	if s := DeriveStrata(&equitrial.Patient{Postcode: "SW1A 1AA"}, nil, fixedNow); s.IMDNote == "" || s.IMDDecile != 0 {
		t.Errorf("without reference data: %+v", s)
	}
}

func TestStrataDecisions(t *testing.T) {
	yes, no := true, false
	for _, c := range []struct {
		name string
		p    equitrial.Patient
		smi  string
		band string
		eth  equitrial.EthnicGroup
	}{
		{"nothing known", equitrial.Patient{}, "unknown", "unknown", "not_known"},
		{"explicit no", equitrial.Patient{SMI: &no, BirthDate: "2000-03-15"}, "no", "18-34", "not_known"},
		{"explicit yes", equitrial.Patient{SMI: &yes, EthnicCategory: "Z"}, "yes", "unknown", "not_stated"},
		{"diagnosis outweighs no", equitrial.Patient{SMI: &no, Conditions: []equitrial.Condition{{System: "icd10", Code: "F31.1"}}}, "yes", "unknown", "not_known"},
		{"depression is not SMI", equitrial.Patient{Conditions: []equitrial.Condition{{System: "icd10", Code: "F32"}}}, "unknown", "unknown", "not_known"},
		{"SMI through text", equitrial.Patient{Conditions: []equitrial.Condition{{Text: "schizoaffective disorder"}}}, "yes", "unknown", "not_known"},
		{"birthday tomorrow", equitrial.Patient{BirthDate: "1961-03-16", Census2021Ethnicity: "asian_indian"}, "unknown", "50-64", "Asian"},
		{"birthday today", equitrial.Patient{BirthDate: "1961-03-15"}, "unknown", "65-74", "not_known"},
	} {
		s := DeriveStrata(&c.p, nil, fixedNow)
		if s.SMI != c.smi || s.AgeBand != c.band || s.EthnicGroup != c.eth {
			t.Errorf("%s: smi %s, age band %s, group %s; want %s, %s, %s", c.name, s.SMI, s.AgeBand, s.EthnicGroup, c.smi, c.band, c.eth)
		}
	}
	if age, _ := AgeOn("2000-02-29", time.Date(2025, 2, 28, 0, 0, 0, 0, time.UTC)); age != 24 {
		t.Errorf("a 29 February birthday counted on 28 February: age %d", age)
	}
	if age, _ := AgeOn("2000-02-29", time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)); age != 25 {
		t.Errorf("a 29 February birthday not counted on 1 March: age %d", age)
	}
}

func TestEquityStrata(t *testing.T) {
	s := &equitrial.Strata{IMDDecile: 3, IMDQuintile: 2, IMDEdition: "IMD2019", EthnicGroup: equitrial.EthnicGroupNotStated, SMI: "yes", Sex: "other", AgeBand: "35-49"}
	got := EquityStrata(s)
	want := equity.Strata{IMDQuintile: 2, EthnicGroup: equity.GroupNotStated, SMI: equity.SMIYes, Sex: equity.GroupNotKnown, AgeBand: "35-49"}
	if got != want {
		t.Fatalf("EquityStrata = %+v, want %+v", got, want)
	}
	if err := got.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, g := range equitrial.EthnicGroups {
		e := EquityStrata(&equitrial.Strata{EthnicGroup: g, AgeBand: "unknown", SMI: "unknown"})
		if err := e.Validate(); err != nil || e.Group(equity.DimEthnicGroup) == "" {
			t.Errorf("group %s converts to %+v: %v", g, e, err)
		}
		if e.AgeBand != equity.GroupNotKnown || e.SMI != equity.GroupNotKnown || e.IMDQuintile != 0 {
			t.Errorf("unknowns convert to %+v", e)
		}
	}
	if e := EquityStrata(&equitrial.Strata{IMDQuintile: 2}); e.IMDQuintile != 0 {
		t.Errorf("a quintile without its edition was passed on: %+v", e)
	}
}

func TestMergePatch(t *testing.T) {
	cur := valid()
	cur.ID, cur.Org, cur.Source = "pt_1", "org", "nurse"
	cur.Strata = &equitrial.Strata{SMI: "no"}
	next, err := MergePatch(cur, []byte(`{"familyName": "Byron", "consent": {"version": "v9"}, "pregnant": null, "conditions": [{"text": "asthma"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if next.FamilyName != "Byron" || next.GivenName != "Ada" || next.Consent.Version != "v9" || !next.Consent.Contact || next.Pregnant != nil ||
		len(next.Conditions) != 1 || next.ID != "pt_1" || next.Org != "org" || next.Strata != cur.Strata {
		t.Fatalf("patched = %+v", next)
	}
	if cur.FamilyName != "Lovelace" {
		t.Fatal("MergePatch changed the current record")
	}
	_, err = MergePatch(cur, []byte(`{"id": "x", "strata": {}, "colour": "red", "givenName": "A"}`))
	if got := strings.Join(fieldNames(err), ","); got != "colour,id,strata" {
		t.Fatalf("refused fields %q, want colour,id,strata (%v)", got, err)
	}
	if _, err := MergePatch(cur, []byte(`{"birthDate": 1980}`)); !equitrial.Is(equitrial.KindInvalid, err) {
		t.Fatalf("wrong type: %v", err)
	}
	if _, err := MergePatch(cur, []byte(`[1,2]`)); !equitrial.Is(equitrial.KindInvalid, err) {
		t.Fatalf("non-object patch: %v", err)
	}
}

func TestAccessTokens(t *testing.T) {
	tok, hash := NewAccessToken()
	tok2, _ := NewAccessToken()
	if !LooksLikeAccessToken(tok) || tok == tok2 || HashAccessToken(tok) != hash || strings.Contains(hash, tok[4:]) {
		t.Fatalf("token %q hash %q", tok, hash)
	}
	if LooksLikeAccessToken("ptl_short") || LooksLikeAccessToken("eqt_"+tok[4:]) {
		t.Fatal("malformed tokens accepted")
	}
}

// A condition confirmed absent is not a diagnosis of serious mental illness, and
// an answer to the matching question counts as the patient's word.
func TestSMIStratumFromAbsentConditionsAndAnswers(t *testing.T) {
	p := &equitrial.Patient{Conditions: []equitrial.Condition{{System: SystemICD10, Code: "F20.0", Status: equitrial.ConditionAbsent}}}
	if got := smiStratum(p); got != SMIUnknown {
		t.Errorf("absent F20: %s, want unknown", got)
	}
	p.Answers = []equitrial.Answer{{Key: "smi", Value: "no"}}
	if got := smiStratum(p); got != SMINo {
		t.Errorf("answered no: %s", got)
	}
	p.Answers[0].Value = "yes"
	if got := smiStratum(p); got != SMIYes {
		t.Errorf("answered yes: %s", got)
	}
	p.Conditions[0].Status = ""
	p.Answers[0].Value = "no"
	if got := smiStratum(p); got != SMIYes {
		t.Errorf("a recorded F20 outweighs an answer of no: %s", got)
	}
}
