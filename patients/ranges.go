package patients

import "equitrial/eligibility"

// valueRange is the span of values a measurement can have in a living person, in a
// given unit: wide enough for the sickest patient a trial might enrol, narrow enough
// to catch a value typed in the wrong unit (an HbA1c of 53 entered as %) or with a
// misplaced decimal point. These are plausibility limits, not reference ranges.
type valueRange struct{ min, max float64 }

// plausible gives, per analyte of the eligibility analyte table, the plausible range
// in its canonical unit (the first unit in analytes.csv). Units that convert are
// checked after conversion; those that do not (xULN, FEV1 in litres) have their own
// entry in plausibleByUnit.
var plausible = map[string]valueRange{
	"bmi":              {10, 100},   // kg/m2
	"weight":           {0.3, 400},  // kg
	"hba1c":            {3, 20},     // %
	"glucose":          {0.5, 60},   // mmol/L
	"egfr":             {1, 200},    // mL/min/1.73m2
	"crcl":             {1, 250},    // mL/min
	"creatinine":       {0.1, 25},   // mg/dL
	"alt":              {1, 10000},  // U/L
	"ast":              {1, 10000},  // U/L
	"bilirubin":        {0.05, 50},  // mg/dL
	"albumin":          {0.5, 7},    // g/dL
	"hemoglobin":       {2, 25},     // g/dL
	"platelets":        {0, 2000},   // 10^9/L
	"anc":              {0, 100},    // 10^9/L
	"wbc":              {0, 500},    // 10^9/L
	"lymphocytes":      {0, 500},    // 10^9/L
	"cd4":              {0, 5000},   // cells/uL
	"viral_load":       {0, 1e10},   // copies/mL
	"inr":              {0.5, 15},   // ratio
	"potassium":        {1, 10},     // mmol/L
	"sodium":           {100, 200},  // mmol/L
	"ldl":              {0, 25},     // mmol/L
	"triglycerides":    {0, 120},    // mmol/L
	"cholesterol":      {0.5, 40},   // mmol/L
	"tsh":              {0, 1000},   // mIU/L
	"psa":              {0, 20000},  // ng/mL
	"crp":              {0, 1000},   // mg/L
	"ferritin":         {0, 100000}, // ng/mL
	"d_dimer":          {0, 100},    // ug/mL
	"troponin":         {0, 200000}, // ng/L
	"sbp":              {50, 300},   // mmHg
	"dbp":              {20, 200},   // mmHg
	"heart_rate":       {20, 300},   // bpm
	"respiratory_rate": {4, 80},     // /min
	"temperature":      {25, 45},    // C
	"spo2":             {40, 100},   // %
	"pao2_fio2":        {20, 700},   // mmHg
	"qtc":              {250, 750},  // ms
	"lvef":             {5, 90},     // %
	"fev1":             {5, 200},    // % predicted
	"ecog":             {0, 5},      // score
	"karnofsky":        {0, 100},    // score
	"mmse":             {0, 30},     // score
	"moca":             {0, 30},     // score
	"phq9":             {0, 27},     // score
	"hamd":             {0, 52},     // score
	"madrs":            {0, 60},     // score
	"gcs":              {3, 15},     // score
	"nyha":             {1, 4},      // class
	"life_expectancy":  {0, 1200},   // months
}

// plausibleByUnit covers units that do not convert to the canonical one.
var plausibleByUnit = map[string]map[string]valueRange{
	"fev1": {"L": {0.1, 8}},
}

// xULNRange bounds any value given as a multiple of the upper limit of normal.
var xULNRange = valueRange{0, 200}

// plausibleRange returns the range an observation's value must fall in, in the unit
// it was given, and false when no range is known for the analyte and unit (then the
// value is accepted: Validate has already checked the unit is one the analyte uses).
func plausibleRange(analyte, unit string) (valueRange, bool) {
	if unit == "xULN" {
		return xULNRange, true
	}
	if r, ok := plausibleByUnit[analyte][unit]; ok {
		return r, true
	}
	r, ok := plausible[analyte]
	if !ok {
		return valueRange{}, false
	}
	a, ok := eligibility.LookupAnalyte(analyte)
	if !ok || unit == a.Canonical() {
		return r, ok
	}
	lo, ok1 := eligibility.ConvertUnit(analyte, r.min, a.Canonical(), unit)
	hi, ok2 := eligibility.ConvertUnit(analyte, r.max, a.Canonical(), unit)
	if !ok1 || !ok2 {
		return valueRange{}, false
	}
	if lo > hi {
		lo, hi = hi, lo
	}
	return valueRange{lo, hi}, true
}
