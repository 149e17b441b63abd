package patients

import (
	"strings"
	"unicode"

	"equitrial"
	"equitrial/eligibility"
	"equitrial/refdata"
)

// Normalise puts what people typed into the one form the service stores and compares:
// postcodes canonical ("sw1a1aa" → "SW1A 1AA"), NHS numbers as ten digits, phone
// numbers in E.164, ICD-10 codes upper-case with the dot after the category,
// ethnicity codes canonical, analytes and units in the analyte table's spelling.
// Values that cannot be normalised are left as typed (trimmed) for Validate to name.
//
// A condition given only as text is coded through the eligibility vocabulary. When
// the text names several conditions ("type 2 diabetes and hypertension") the first
// code goes on the condition itself and the others are appended at the end of the
// list, so the positions of what the caller sent (and the field names in any error)
// do not move. Text that the vocabulary does not know is kept uncoded.
func Normalise(p *equitrial.Patient) {
	p.GivenName = cleanText(p.GivenName)
	p.FamilyName = cleanText(p.FamilyName)
	p.BirthDate = strings.TrimSpace(p.BirthDate)
	if n, ok := equitrial.NormaliseNHSNumber(p.NHSNumber); ok {
		p.NHSNumber = n
	} else {
		p.NHSNumber = strings.TrimSpace(p.NHSNumber)
	}
	p.Email = normaliseEmail(p.Email)
	if ph, ok := NormalisePhone(p.Phone); ok {
		p.Phone = ph
	} else {
		p.Phone = strings.TrimSpace(p.Phone)
	}
	if pc, ok := refdata.NormalisePostcode(p.Postcode); ok {
		p.Postcode = pc
	} else {
		p.Postcode = strings.TrimSpace(p.Postcode)
	}
	p.Sex = strings.ToLower(strings.TrimSpace(p.Sex))
	if code, ok := equitrial.NormaliseEthnicCategory(p.EthnicCategory); ok {
		p.EthnicCategory = code
	} else {
		p.EthnicCategory = strings.TrimSpace(p.EthnicCategory)
	}
	if id, ok := censusID(p.Census2021Ethnicity); ok {
		p.Census2021Ethnicity = id
	} else {
		p.Census2021Ethnicity = strings.TrimSpace(p.Census2021Ethnicity)
	}
	var extra []equitrial.Condition
	for i := range p.Conditions {
		extra = append(extra, normaliseCondition(&p.Conditions[i])...)
	}
	for _, e := range extra {
		if !hasCondition(p.Conditions, e) {
			p.Conditions = append(p.Conditions, e)
		}
	}
	for i := range p.Answers {
		normaliseAnswer(&p.Answers[i])
	}
	p.Medicines = cleanList(p.Medicines)
	for i := range p.Observations {
		normaliseObservation(&p.Observations[i])
	}
	if lang, ok := NormaliseLanguage(p.Language); ok {
		p.Language = lang
	} else {
		p.Language = strings.TrimSpace(p.Language)
	}
	p.AccessibilityNeeds = cleanList(p.AccessibilityNeeds)
	p.Consent.Date = strings.TrimSpace(p.Consent.Date)
	p.Consent.Version = cleanText(p.Consent.Version)
	p.Consent.Channel = strings.ToLower(strings.TrimSpace(p.Consent.Channel))
}

// cleanText trims and collapses runs of white space, so "  Ada   Lovelace " is
// stored (and compared) as "Ada Lovelace".
func cleanText(s string) string { return strings.Join(strings.Fields(s), " ") }

// cleanList cleans each entry and drops empty ones; nil stays nil.
func cleanList(in []string) []string {
	if in == nil {
		return nil
	}
	out := in[:0]
	for _, s := range in {
		if s = cleanText(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// normaliseEmail trims and lower-cases the domain; the local part is left alone
// because some mail systems treat its case as significant.
func normaliseEmail(s string) string {
	s = strings.TrimSpace(s)
	if at := strings.LastIndexByte(s, '@'); at > 0 {
		return s[:at+1] + strings.ToLower(s[at+1:])
	}
	return s
}

func normaliseCondition(c *equitrial.Condition) (extra []equitrial.Condition) {
	c.System = strings.ToLower(strings.TrimSpace(c.System))
	switch c.System {
	case "icd-10", "icd 10", "icd10cm", "icd-10-cm":
		c.System = SystemICD10
	case "snomed ct", "snomed-ct", "snomedct", "sct":
		c.System = SystemSNOMED
	}
	c.Text = cleanText(c.Text)
	c.Code = strings.TrimSpace(c.Code)
	c.Status = strings.ToLower(strings.TrimSpace(c.Status))
	switch {
	case c.Code == "" && c.Text != "":
		codes := eligibility.LookupCondition(c.Text)
		if len(codes) == 0 {
			return nil
		}
		if c.System == "" || c.System == SystemICD10 {
			c.System, c.Code = SystemICD10, codes[0].ICD10
			codes = codes[1:]
		}
		for _, code := range codes {
			extra = append(extra, equitrial.Condition{System: SystemICD10, Code: code.ICD10, Text: c.Text, Status: c.Status})
		}
		return extra
	case c.System == SystemICD10:
		if code, ok := NormaliseICD10(c.Code); ok {
			c.Code = code
		}
		if c.Text == "" {
			c.Text = eligibility.NameForICD10(c.Code)
		}
	case c.System == SystemSNOMED:
		if c.Text == "" {
			if code, ok := eligibility.CodeForSNOMED(c.Code); ok {
				c.Text = code.Name
			}
		}
	case c.System == "" && c.Code != "":
		// A bare code: ICD-10 if it looks like one, SNOMED CT if it is all digits.
		if code, ok := NormaliseICD10(c.Code); ok {
			c.System, c.Code = SystemICD10, code
		} else if ValidSNOMED(c.Code) {
			c.System = SystemSNOMED
		}
	}
	return nil
}

func hasCondition(list []equitrial.Condition, c equitrial.Condition) bool {
	for _, x := range list {
		if x.System == c.System && x.Code == c.Code {
			return true
		}
	}
	return false
}

func normaliseObservation(o *equitrial.Observation) {
	o.Analyte = strings.TrimSpace(o.Analyte)
	o.Unit = strings.TrimSpace(o.Unit)
	o.Date = strings.TrimSpace(o.Date)
	a, ok := eligibility.LookupAnalyte(o.Analyte)
	if !ok {
		return
	}
	o.Analyte = a.Name
	if u, ok := eligibility.ValidUnit(a.Name, o.Unit); ok {
		o.Unit = u
	}
}

// NormaliseICD10 writes an ICD-10 code the way WHO does: upper case, the category's
// three characters, then a dot and the subdivision ("e119" → "E11.9", "F20.0" stays).
// The UK's "X" filler for a category with no subdivision ("I10X") and the dagger and
// asterisk marks of dual coding are dropped. It reports false when the result is not
// an ICD-10 code: a letter, two digits, and an optional subdivision of one to three
// letters or digits.
func NormaliseICD10(code string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToUpper(code) {
		switch {
		case r == '.' || r == '†' || r == '*' || r == '+' || unicode.IsSpace(r):
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	s := b.String()
	if len(s) == 4 && s[3] == 'X' {
		s = s[:3]
	}
	if len(s) < 3 || len(s) > 6 || s[0] < 'A' || s[0] > 'Z' || !isDigit(s[1]) || !isDigit(s[2]) {
		return "", false
	}
	if len(s) == 3 {
		return s, true
	}
	return s[:3] + "." + s[3:], true
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// ValidSNOMED reports whether s is a SNOMED CT identifier: 6 to 18 digits, no
// leading zero, ending in a Verhoeff check digit, as the SNOMED CT specification
// sets out. The check digit catches most typing errors.
func ValidSNOMED(s string) bool {
	if len(s) < 6 || len(s) > 18 || s[0] == '0' {
		return false
	}
	c := 0
	for i := len(s) - 1; i >= 0; i-- {
		if !isDigit(s[i]) {
			return false
		}
		c = verhoeffD[c][verhoeffP[(len(s)-1-i)%8][s[i]-'0']]
	}
	return c == 0
}

var verhoeffD = [10][10]int{
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5}, {2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
	{3, 4, 0, 1, 2, 8, 9, 5, 6, 7}, {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
	{6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3}, {8, 7, 6, 5, 9, 3, 2, 1, 0, 4},
	{9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
}

var verhoeffP = [8][10]int{
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4}, {5, 8, 0, 3, 7, 9, 6, 1, 4, 2},
	{8, 9, 1, 6, 0, 4, 3, 5, 2, 7}, {9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
	{2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8},
}

// censusID returns the census answer id for an id or wording; ids, the stored form,
// are found without folding every wording.
func censusID(s string) (string, bool) {
	if _, ok := censusGroups[s]; ok {
		return s, true
	}
	c, ok := equitrial.ParseCensus2021Ethnicity(s)
	return c.ID, ok
}
