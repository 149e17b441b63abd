package fhir

import (
	"encoding/json"
	"fmt"
	"strings"

	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"

	"equitrial"
)

// patient reads a UK Core Patient: the NHS number (required: it is how the record
// is found again), name, birth date, gender, home postcode, ethnic category,
// telephone and email, preferred language and whether an interpreter is needed.
// Consent to be contacted about research is never read from a Bundle: an
// electronic record does not hold it, so a new patient is stored without it until
// the patient or a nurse records it.
func (r *reader) patient(ref Ref, id *string, raw json.RawMessage) {
	var res fm.Patient
	if err := json.Unmarshal(raw, &res); err != nil {
		r.issues.add(ref, "resource", decodeDetail(err))
		return
	}
	bad := func(field, detail string) { r.issues.add(ref, field, detail) }
	if len(res.ModifierExtension) > 0 {
		bad("resource.modifierExtension", modifierDetail(res.ModifierExtension))
	}
	p := &Profile{Ref: ref, fields: map[string]string{}}
	p.NHSNumber = nhsNumber(res.Identifier, p.fields, bad)
	if res.DeceasedBoolean != nil && *res.DeceasedBoolean || res.DeceasedDateTime != nil {
		field := "resource.deceasedBoolean"
		if res.DeceasedDateTime != nil {
			field = "resource.deceasedDateTime"
		}
		bad(field, "says the patient has died: equitrial holds people who may be asked to join a trial, so send living patients only")
	}
	pt := &p.Patient
	pt.NHSNumber = p.NHSNumber
	if k, n := pickName(res.Name); n != nil {
		pt.GivenName, pt.FamilyName = strings.Join(n.Given, " "), deref(n.Family)
		p.fields["givenName"] = fmt.Sprintf("resource.name[%d].given", k)
		p.fields["familyName"] = fmt.Sprintf("resource.name[%d].family", k)
	}
	if res.BirthDate != nil {
		pt.BirthDate = *res.BirthDate
		p.fields["birthDate"] = "resource.birthDate"
		if len(pt.BirthDate) != len("2006-01-02") {
			bad("resource.birthDate", "must be a whole date (YYYY-MM-DD): ages decide eligibility")
		}
	}
	if res.Gender != nil {
		pt.Sex = res.Gender.Code() // male, female, other, unknown: the profile's own values
		p.fields["sex"] = "resource.gender"
	}
	if k, a := pickAddress(res.Address); a != nil {
		pt.Postcode = deref(a.PostalCode)
		p.fields["postcode"] = fmt.Sprintf("resource.address[%d].postalCode", k)
	}
	telecom(res.Telecom, pt, p.fields)
	extensions(res.Extension, pt, p.fields, bad)
	language(res.Communication, pt, p.fields)

	// A patient with issues is still registered, so that its Conditions and
	// Observations are not reported a second time as referring to no Patient.
	for _, k := range keys(ref, id) {
		if other := r.byKey[k]; other != nil {
			bad("", fmt.Sprintf("has the same fullUrl or id as entry[%d]", other.Index))
			return
		}
	}
	if other := r.byNHS[p.NHSNumber]; other != nil && p.NHSNumber != "" {
		bad(p.fields["nhsNumber"], fmt.Sprintf("is also the NHS number of entry[%d]: send each patient once", other.Index))
		return
	}
	if p.NHSNumber != "" {
		r.byNHS[p.NHSNumber] = p
	}
	for _, k := range keys(ref, id) {
		r.byKey[k] = p
	}
	r.imp.Profiles = append(r.imp.Profiles, p)
}

// nhsNumber finds the NHS number among the identifiers: exactly one number, which
// must pass the modulus 11 check.
func nhsNumber(ids []fm.Identifier, fields map[string]string, bad func(string, string)) string {
	var found string
	for j, id := range ids {
		if id.System == nil || *id.System != SystemNHSNumber {
			continue
		}
		field := fmt.Sprintf("resource.identifier[%d].value", j)
		n, ok := equitrial.NormaliseNHSNumber(deref(id.Value))
		switch {
		case !ok:
			bad(field, "is not a valid NHS number: 10 digits, the last a modulus 11 check digit")
			return ""
		case found != "" && n != found:
			bad(field, "is a second, different NHS number: a patient has one")
			return ""
		}
		found = n
		fields["nhsNumber"] = field
	}
	if found == "" {
		bad("resource.identifier", "needs the NHS number (system "+SystemNHSNumber+"): equitrial finds patients by it, so a Bundle sent again updates them")
	}
	return found
}

// pickName prefers the official name, then the usual one, then the first that is
// not old; names that have ended are never used.
func pickName(names []fm.HumanName) (int, *fm.HumanName) {
	best, rank := -1, 0
	for k := range names {
		n := &names[k]
		if n.Period != nil && n.Period.End != nil {
			continue
		}
		r := 1
		if n.Use != nil {
			switch n.Use.Code() {
			case "official":
				r = 3
			case "usual":
				r = 2
			case "old", "maiden":
				continue
			}
		}
		if r > rank {
			best, rank = k, r
		}
	}
	if best < 0 {
		return -1, nil
	}
	return best, &names[best]
}

// pickAddress prefers the home address, then any current address with a postcode;
// old and ended addresses are never used (deprivation is of where people live now).
func pickAddress(addrs []fm.Address) (int, *fm.Address) {
	best, rank := -1, 0
	for k := range addrs {
		a := &addrs[k]
		if a.PostalCode == nil || a.Period != nil && a.Period.End != nil {
			continue
		}
		r := 1
		if a.Use != nil {
			switch a.Use.Code() {
			case "home":
				r = 2
			case "old", "billing":
				continue
			}
		}
		if r > rank {
			best, rank = k, r
		}
	}
	if best < 0 {
		return -1, nil
	}
	return best, &addrs[best]
}

// telecom takes a telephone number (a mobile first) and an email address, for the
// research team to make contact; old ones are never used.
func telecom(points []fm.ContactPoint, pt *equitrial.Patient, fields map[string]string) {
	phoneRank := 0
	for k, cp := range points {
		if cp.System == nil || cp.Value == nil || cp.Use != nil && cp.Use.Code() == "old" || cp.Period != nil && cp.Period.End != nil {
			continue
		}
		switch cp.System.Code() {
		case "phone", "sms":
			r := 1
			if cp.Use != nil && cp.Use.Code() == "mobile" {
				r = 2
			}
			if r > phoneRank {
				pt.Phone, phoneRank = *cp.Value, r
				fields["phone"] = fmt.Sprintf("resource.telecom[%d].value", k)
			}
		case "email":
			if pt.Email == "" {
				pt.Email = *cp.Value
				fields["email"] = fmt.Sprintf("resource.telecom[%d].value", k)
			}
		}
	}
}

// extensions reads UK Core's ethnic category and whether an interpreter is needed.
// Other extensions are ignored, as FHIR allows.
func extensions(exts []fm.Extension, pt *equitrial.Patient, fields map[string]string, bad func(string, string)) {
	for k, ext := range exts {
		switch ext.Url {
		case ExtEthnicCategory:
			field := fmt.Sprintf("resource.extension[%d].valueCodeableConcept", k)
			fields["ethnicCategory"] = field
			code, detail := ethnicCategory(ext.ValueCodeableConcept)
			if detail != "" {
				bad(field, detail)
				continue
			}
			pt.EthnicCategory = code
		case ExtInterpreterRequired:
			if ext.ValueBoolean != nil {
				pt.InterpreterNeeded = ext.ValueBoolean
				fields["interpreterNeeded"] = fmt.Sprintf("resource.extension[%d].valueBoolean", k)
			}
		}
	}
}

func ethnicCategory(cc *fm.CodeableConcept) (string, string) {
	if cc == nil {
		return "", "is required in the ethnic category extension"
	}
	for _, c := range cc.Coding {
		if c.System == nil || !ethnicCategorySystems[*c.System] {
			continue
		}
		code, ok := equitrial.NormaliseEthnicCategory(deref(c.Code))
		if !ok {
			return "", fmt.Sprintf("has %q, which is not an NHS Data Dictionary ethnic category (A to S, or Z for not stated)", deref(c.Code))
		}
		return code, ""
	}
	return "", "needs a coding from https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland (the NHS Data Dictionary ethnic categories)"
}

// language takes the preferred language of communication (else the first), as a
// BCP 47 code such as "pl" or "en-GB".
func language(comms []fm.PatientCommunication, pt *equitrial.Patient, fields map[string]string) {
	pick := -1
	for k, c := range comms {
		if pick < 0 || c.Preferred != nil && *c.Preferred {
			pick = k
		}
	}
	if pick < 0 {
		return
	}
	for _, c := range comms[pick].Language.Coding {
		if c.System != nil && *c.System == SystemBCP47 && c.Code != nil {
			pt.Language = *c.Code
			fields["language"] = fmt.Sprintf("resource.communication[%d].language", pick)
			return
		}
	}
}

// modifierDetail refuses modifier extensions: FHIR forbids processing a resource
// whose modifier extensions are not understood, since they change its meaning.
func modifierDetail(exts []fm.Extension) string {
	urls := make([]string, 0, len(exts))
	for _, e := range exts {
		urls = append(urls, e.Url)
	}
	return "is not understood (" + strings.Join(urls, ", ") + "): a modifier extension changes what the resource means, so it cannot be read without it"
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
