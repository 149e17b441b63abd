package synth

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"equitrial"
	"equitrial/refdata"
)

// PatientOptions shapes synthetic patients.
type PatientOptions struct {
	// Reference places patients at real postcodes, chosen by deprivation decile so
	// that every decile is equally represented, as the index's deciles are by design.
	// Without one, patients live at the demo trial sites' postcodes.
	Reference *refdata.Reference
	// Identifiers adds names, NHS numbers (in the 999 range issued for testing),
	// email addresses at example.org and phone numbers in Ofcom's drama range.
	// Benchmarks leave them out.
	Identifiers bool
	Org         string    // default "demo-org"
	Now         time.Time // default: 2026-01-01, so output does not depend on the day
}

// PatientGenerator makes synthetic patients one at a time, deterministically from a
// seed. The joint distributions are realistic in shape, not in detail: ethnicity
// varies by region (2021 census shares) and is more diverse in deprived areas; SMI
// (schizophrenia F20 or bipolar disorder F31) is about 1% overall, about three times
// as common in the most deprived decile as in the least; chronic conditions rise with
// age and deprivation; people with diabetes or kidney disease have the measurements
// their care produces (HbA1c, eGFR); some women aged 18–45 are pregnant.
type PatientGenerator struct {
	r     *rand.Rand
	opt   PatientOptions
	pools [11][]string // canonical postcodes by IMD decile; [0] when no decile is known
	n     int
}

// NewPatientGenerator returns a generator. Building the postcode pools reads the whole
// directory once (about a second for all 2.6 million UK postcodes).
func NewPatientGenerator(seed uint64, opt PatientOptions) *PatientGenerator {
	if opt.Org == "" {
		opt.Org = "demo-org"
	}
	if opt.Now.IsZero() {
		opt.Now = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	g := &PatientGenerator{r: rand.New(rand.NewPCG(seed, 0x5eed0fa11e47)), opt: opt}
	g.buildPools(seed)
	return g
}

// poolSize caps each decile's postcode pool: plenty for variety, little memory.
const poolSize = 20000

func (g *PatientGenerator) buildPools(seed uint64) {
	ref := g.opt.Reference
	if ref == nil || ref.Directory() == nil {
		for _, s := range sites {
			g.pools[0] = append(g.pools[0], s.postcode)
		}
		return
	}
	r := rand.New(rand.NewPCG(seed, 0x9001))
	var seen [11]int
	ref.Directory().Each(func(e refdata.Entry) bool {
		res := ref.Lookup(e.Postcode)
		if !res.Found {
			return true
		}
		d := res.IMDDecile
		seen[d]++
		if len(g.pools[d]) < poolSize {
			g.pools[d] = append(g.pools[d], e.Postcode)
		} else if j := r.IntN(seen[d]); j < poolSize { // reservoir sampling keeps the pool uniform
			g.pools[d][j] = e.Postcode
		}
		return true
	})
	empty := true
	for d := 1; d <= 10; d++ {
		empty = empty && len(g.pools[d]) == 0
	}
	if empty {
		for _, s := range sites {
			g.pools[0] = append(g.pools[0], s.postcode)
		}
	}
}

// Patients makes n synthetic patients from seed.
func Patients(n int, seed uint64, opt PatientOptions) []*equitrial.Patient {
	g := NewPatientGenerator(seed, opt)
	out := make([]*equitrial.Patient, n)
	for i := range out {
		out[i] = g.Next()
	}
	return out
}

// Next makes the next patient. Its ID is empty: the store assigns ids.
func (g *PatientGenerator) Next() *equitrial.Patient {
	r := g.r
	g.n++
	p := &equitrial.Patient{Org: g.opt.Org}
	decile := g.place(p)
	// dep runs from 1 in the most deprived decile to 0 in the least.
	dep := float64(10-decile) / 9
	region := regionOf(p.Postcode)

	// Sex and age: deprived areas are younger.
	switch x := r.Float64(); {
	case x < 0.508:
		p.Sex = "female"
	case x < 0.997:
		p.Sex = "male"
	case x < 0.999:
		p.Sex = "other"
	default:
		p.Sex = "unknown"
	}
	age := g.age(dep)
	born := g.opt.Now.AddDate(-age, 0, -r.IntN(365)-1)
	p.BirthDate = born.Format(time.DateOnly)

	group := g.ethnicGroup(region, dep)
	g.ethnicity(p, group)
	g.conditions(p, age, dep, group)
	g.language(p, group)

	if p.Sex == "female" && age >= 18 && age <= 45 {
		preg := r.Float64() < 0.04
		p.Pregnant = &preg
		if !preg && r.Float64() < 0.5 {
			bf := r.Float64() < 0.05
			p.Breastfeeding = &bf
		}
	}
	if r.Float64() < 0.6 { // most people answer the SMI question when asked
		smi := hasSMI(p.Conditions)
		p.SMI = &smi
	}
	g.consent(p)
	switch x := r.Float64(); {
	case x < 0.7:
		p.Source = "nurse"
	case x < 0.95:
		p.Source = "self-registered"
	default:
		p.Source = "imported"
	}
	if g.opt.Identifiers {
		g.identifiers(p, group)
	}
	return p
}

// place picks a decile (each equally likely), then a postcode from that decile.
func (g *PatientGenerator) place(p *equitrial.Patient) int {
	d := 1 + g.r.IntN(10)
	pool := g.pools[d]
	if len(pool) == 0 {
		pool = g.pools[0]
	}
	if len(pool) == 0 {
		return d
	}
	p.Postcode = pool[g.r.IntN(len(pool))]
	return d
}

// ageBands are the adult age bands' shares of the population, in percent.
var ageBands = []struct{ lo, hi, weight int }{{18, 34, 28}, {35, 49, 25}, {50, 64, 24}, {65, 74, 12}, {75, 95, 11}}

func (g *PatientGenerator) age(dep float64) int {
	total := 0.0
	var w [5]float64
	for i, b := range ageBands {
		w[i] = float64(b.weight)
		if i == 0 {
			w[i] *= 1 + 0.3*dep
		} else if i >= 3 {
			w[i] *= 1 - 0.3*dep
		}
		total += w[i]
	}
	x := g.r.Float64() * total
	for i, b := range ageBands {
		if x < w[i] {
			return b.lo + g.r.IntN(b.hi-b.lo+1)
		}
		x -= w[i]
	}
	return 40
}

const (
	groupAsian = iota
	groupBlack
	groupMixed
	groupWhite
	groupOther
)

// ethnicGroup draws from the region's census shares, with the minority groups'
// shares scaled up in deprived areas (×1.6 in decile 1) and down in affluent ones
// (×0.6 in decile 10), as the census shows for England's cities.
func (g *PatientGenerator) ethnicGroup(region string, dep float64) int {
	shares, ok := ethnicShares[region]
	if !ok {
		shares = ethnicShares[""]
	}
	f := 0.6 + dep
	var w [5]float64
	total := 0.0
	for i, s := range shares {
		w[i] = s
		if i != groupWhite {
			w[i] *= f
		}
		total += w[i]
	}
	x := g.r.Float64() * total
	for i := range w {
		if x < w[i] {
			return i
		}
		x -= w[i]
	}
	return groupWhite
}

// censusWithin lists each group's census answers with their shares within the group.
var censusWithin = [5][]weighted{
	{{"asian_indian", 35}, {"asian_pakistani", 32}, {"asian_bangladeshi", 13}, {"asian_chinese", 8}, {"asian_other", 12}},
	{{"black_african", 62}, {"black_caribbean", 25}, {"black_other", 13}},
	{{"mixed_white_black_caribbean", 30}, {"mixed_white_asian", 28}, {"mixed_white_black_african", 14}, {"mixed_other", 28}},
	{{"white_british", 88}, {"white_irish", 2}, {"white_gypsy_irish_traveller", 1}, {"white_roma", 1}, {"white_other", 8}},
	{{"other_arab", 30}, {"other_any", 70}},
}

var censusNHSCode = func() map[string]string {
	m := map[string]string{}
	for _, c := range equitrial.Census2021Ethnicities {
		m[c.ID] = c.NHSCode
	}
	return m
}()

// ethnicity records the answer the way real records hold it: mostly both the NHS
// code and the census answer, some one or the other, some "not stated" (Z), and a
// few nothing at all.
func (g *PatientGenerator) ethnicity(p *equitrial.Patient, group int) {
	answer := pick(g.r, censusWithin[group])
	switch x := g.r.Float64(); {
	case x < 0.78:
		p.Census2021Ethnicity, p.EthnicCategory = answer, censusNHSCode[answer]
	case x < 0.88:
		p.Census2021Ethnicity = answer
	case x < 0.95:
		p.EthnicCategory = censusNHSCode[answer]
	case x < 0.98:
		p.EthnicCategory = "Z"
	case x < 0.99:
		p.EthnicCategory = "99"
	}
}

// chronic is a condition with its prevalence by age band (18–34, 35–49, 50–64,
// 65–74, 75+), how strongly deprivation raises it, and group multipliers.
type chronic struct {
	code, text string
	byAge      [5]float64
	deprived   float64 // prevalence × (1 + deprived×dep − deprived/2)
	sex        string
	group      map[int]float64
}

// Prevalences are rounded from NHS Quality and Outcomes Framework registers and
// published surveys; codes are the vocabulary's ICD-10 categories.
var chronics = []chronic{
	{"E11", "type 2 diabetes", [5]float64{0.01, 0.04, 0.10, 0.17, 0.20}, 0.6, "", map[int]float64{groupAsian: 1.9, groupBlack: 1.5}},
	{"I10", "hypertension", [5]float64{0.03, 0.12, 0.28, 0.45, 0.55}, 0.3, "", map[int]float64{groupBlack: 1.3}},
	{"J45", "asthma", [5]float64{0.10, 0.09, 0.09, 0.08, 0.08}, 0.3, "", nil},
	{"J44", "COPD", [5]float64{0, 0.01, 0.04, 0.08, 0.10}, 1.0, "", nil},
	{"N18", "chronic kidney disease", [5]float64{0.005, 0.01, 0.04, 0.10, 0.20}, 0.3, "", map[int]float64{groupAsian: 1.3, groupBlack: 1.3}},
	{"I50", "heart failure", [5]float64{0, 0.002, 0.01, 0.03, 0.07}, 0.5, "", nil},
	{"F32", "depression", [5]float64{0.12, 0.12, 0.11, 0.09, 0.08}, 0.6, "", nil},
	{"C50", "breast cancer", [5]float64{0, 0.003, 0.015, 0.03, 0.04}, -0.2, "female", nil},
	{"C61", "prostate cancer", [5]float64{0, 0, 0.01, 0.04, 0.07}, -0.2, "male", map[int]float64{groupBlack: 2}},
	{"E66", "obesity", [5]float64{0.20, 0.27, 0.30, 0.30, 0.22}, 0.5, "", nil},
	{"M06", "rheumatoid arthritis", [5]float64{0.002, 0.005, 0.01, 0.015, 0.02}, 0.2, "", nil},
	{"F03", "dementia", [5]float64{0, 0, 0.002, 0.015, 0.07}, 0.2, "", nil},
	{"I64", "stroke", [5]float64{0, 0.002, 0.01, 0.03, 0.06}, 0.4, "", map[int]float64{groupBlack: 1.4}},
	{"D57", "sickle cell disease", [5]float64{0, 0, 0, 0, 0}, 0, "", map[int]float64{groupBlack: 1}},
}

func ageBandIndex(age int) int {
	switch {
	case age < 35:
		return 0
	case age < 50:
		return 1
	case age < 65:
		return 2
	case age < 75:
		return 3
	}
	return 4
}

func (g *PatientGenerator) conditions(p *equitrial.Patient, age int, dep float64, group int) {
	r := g.r
	band := ageBandIndex(age)
	for _, c := range chronics {
		if c.sex != "" && c.sex != p.Sex {
			continue
		}
		prev := c.byAge[band]
		if c.code == "D57" && group == groupBlack {
			prev = 0.003
		}
		prev *= 1 + c.deprived*dep - c.deprived/2
		if m, ok := c.group[group]; ok && c.code != "D57" {
			prev *= m
		}
		if r.Float64() < prev {
			p.Conditions = append(p.Conditions, g.coded(c.code, c.text))
		}
	}
	// SMI: about 1% of adults; 1.8% in the most deprived decile, 0.6% in the least.
	if age < 80 && r.Float64() < 0.006+0.012*dep {
		if r.Float64() < 0.55 {
			p.Conditions = append(p.Conditions, g.coded("F20", "schizophrenia"))
		} else {
			p.Conditions = append(p.Conditions, g.coded("F31", "bipolar affective disorder"))
		}
	}
	g.observations(p, age)
}

// coded writes a condition the way records come in: mostly coded, sometimes only as
// the words a person typed at self-registration.
func (g *PatientGenerator) coded(code, text string) equitrial.Condition {
	if g.r.Float64() < 0.1 {
		return equitrial.Condition{Text: text}
	}
	return equitrial.Condition{System: "icd10", Code: code, Text: text}
}

func hasCondition(p *equitrial.Patient, code string) bool {
	for _, c := range p.Conditions {
		if c.Code == code {
			return true
		}
	}
	return false
}

func hasSMI(conds []equitrial.Condition) bool {
	for _, c := range conds {
		if c.Code == "F20" || c.Code == "F31" || c.Text == "schizophrenia" || c.Text == "bipolar affective disorder" {
			return true
		}
	}
	return false
}

func (g *PatientGenerator) observations(p *equitrial.Patient, age int) {
	r := g.r
	date := func() string { return g.opt.Now.AddDate(0, 0, -1-r.IntN(300)).Format(time.DateOnly) }
	round1 := func(v float64) float64 { return math.Round(v*10) / 10 }
	if hasCondition(p, "E11") || r.Float64() < 0.05 {
		v := 38 + r.NormFloat64()*4
		if hasCondition(p, "E11") {
			v = 58 + r.NormFloat64()*12
		}
		p.Observations = append(p.Observations, equitrial.Observation{Analyte: "hba1c", Value: math.Round(math.Max(25, math.Min(140, v))), Unit: "mmol/mol", Date: date()})
	}
	if hasCondition(p, "N18") || hasCondition(p, "E11") || age >= 65 && r.Float64() < 0.3 {
		v := 90 - float64(age-18)*0.7 + r.NormFloat64()*10
		if hasCondition(p, "N18") {
			v = 15 + r.Float64()*45
		}
		p.Observations = append(p.Observations, equitrial.Observation{Analyte: "egfr", Value: math.Round(math.Max(5, math.Min(140, v))), Unit: "mL/min/1.73m2", Date: date()})
	}
	if hasCondition(p, "I50") {
		p.Observations = append(p.Observations, equitrial.Observation{Analyte: "lvef", Value: math.Round(25 + r.Float64()*30), Unit: "%", Date: date()})
	}
	if hasCondition(p, "I10") || r.Float64() < 0.2 {
		v := 128 + r.NormFloat64()*12
		if hasCondition(p, "I10") {
			v = 146 + r.NormFloat64()*12
		}
		p.Observations = append(p.Observations, equitrial.Observation{Analyte: "sbp", Value: math.Round(v), Unit: "mmHg", Date: date()})
	}
	if r.Float64() < 0.5 {
		v := 27 + r.NormFloat64()*5
		if hasCondition(p, "E66") {
			v = 35 + r.Float64()*8
		}
		p.Observations = append(p.Observations, equitrial.Observation{Analyte: "bmi", Value: round1(math.Max(15, math.Min(70, v))), Unit: "kg/m2", Date: date()})
	}
}

// languagesBy are main languages other than English, by census answer group.
var languagesBy = [5][]weighted{
	{{"ur", 30}, {"pa", 25}, {"bn", 20}, {"gu", 15}, {"zh", 10}},
	{{"so", 40}, {"yo", 20}, {"ti", 20}, {"fr", 20}},
	{{"pt", 50}, {"es", 50}},
	{{"pl", 40}, {"ro", 30}, {"lt", 15}, {"pt", 15}},
	{{"ar", 60}, {"fa", 25}, {"ku", 15}},
}

func (g *PatientGenerator) language(p *equitrial.Patient, group int) {
	r := g.r
	other := 0.02
	switch {
	case group == groupWhite && p.Census2021Ethnicity != "white_other":
		other = 0.005
	case group == groupWhite:
		other = 0.4
	case group != groupMixed:
		other = 0.15
	}
	if r.Float64() >= other {
		if r.Float64() < 0.7 {
			p.Language = "en"
		}
		return
	}
	p.Language = pick(r, languagesBy[group])
	need := r.Float64() < 0.4
	p.InterpreterNeeded = &need
}

var channels = []weighted{{"web", 60}, {"paper", 20}, {"in-person", 15}, {"phone", 5}}

func (g *PatientGenerator) consent(p *equitrial.Patient) {
	r := g.r
	p.Consent = equitrial.Consent{Contact: r.Float64() < 0.95}
	if p.Consent.Contact {
		p.Consent.Date = g.opt.Now.AddDate(0, 0, -1-r.IntN(700)).Format(time.DateOnly)
		p.Consent.Version = "v" + strconv.Itoa(1+r.IntN(3))
		p.Consent.Channel = pick(r, channels)
	}
}

var (
	// givenNames by ethnic group, then female and male.
	givenNames = [5][2][]string{
		{{"Aisha", "Priya", "Fatima", "Mei", "Nadia"}, {"Imran", "Arjun", "Hassan", "Ravi", "Sanjay"}},
		{{"Amara", "Zainab", "Abena", "Keisha", "Nia"}, {"Kwame", "Chidi", "Tariq", "Marcus", "Olu"}},
		{{"Maya", "Jasmine", "Aaliyah", "Layla", "Zara"}, {"Leon", "Tyler", "Kai", "Isaac", "Ethan"}},
		{{"Olivia", "Emily", "Sophie", "Jessica", "Agnieszka"}, {"Jack", "Harry", "George", "Thomas", "Piotr"}},
		{{"Leila", "Samira", "Dina", "Noor", "Hana"}, {"Omar", "Yusuf", "Karim", "Ali", "Rami"}},
	}
	familyNames = [5][]string{
		{"Khan", "Patel", "Ahmed", "Hussain", "Begum", "Singh", "Chen", "Sharma", "Ali", "Islam"},
		{"Okafor", "Mensah", "Adeyemi", "Campbell", "Williams", "Abdi", "Osei", "Brown", "Johnson", "Bello"},
		{"Smith", "Jones", "Taylor", "Clarke", "Walker", "Wright", "Green", "Hall", "Wood", "Evans"},
		{"Smith", "Jones", "Williams", "Taylor", "Davies", "Wilson", "Kowalski", "Murphy", "Roberts", "Thompson"},
		{"Haddad", "Karimi", "Mansour", "Rahimi", "Nasser", "Saleh", "Aziz", "Farah", "Hamdan", "Yousef"},
	}
)

func (g *PatientGenerator) identifiers(p *equitrial.Patient, group int) {
	r := g.r
	names := givenNames[group][r.IntN(2)]
	switch p.Sex {
	case "female":
		names = givenNames[group][0]
	case "male":
		names = givenNames[group][1]
	}
	p.GivenName = names[r.IntN(len(names))]
	p.FamilyName = familyNames[group][r.IntN(len(familyNames[group]))]
	p.NHSNumber = testNHSNumber(r)
	n := strconv.Itoa(g.n)
	if r.Float64() < 0.8 {
		p.Email = lower(p.GivenName) + "." + lower(p.FamilyName) + n + "@example.org"
	}
	if r.Float64() < 0.7 {
		p.Phone = "+447700900" + pad3(r.IntN(1000))
	}
}

// testNHSNumber makes a valid NHS number in the 999 range, issued for testing only.
func testNHSNumber(r *rand.Rand) string {
	for {
		d := []byte("999" + pad3(r.IntN(1000)) + pad3(r.IntN(1000))[:3])
		sum := 0
		for i := 0; i < 9; i++ {
			sum += int(d[i]-'0') * (10 - i)
		}
		check := 11 - sum%11
		if check == 10 {
			continue
		}
		if check == 11 {
			check = 0
		}
		s := string(d[:9]) + strconv.Itoa(check)
		if equitrial.ValidNHSNumber(s) {
			return s
		}
	}
}

func pad3(n int) string {
	s := strconv.Itoa(n)
	for len(s) < 3 {
		s = "0" + s
	}
	return s
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
