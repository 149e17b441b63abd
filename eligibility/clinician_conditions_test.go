package eligibility

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Condition and flag defects a clinician found on real trials. Every criterion
// here is invented, written in the style of real ones; none is a study's text.
// Wrongly ruling an eligible patient out is the worst error, so most cases check
// that something is NOT excluded.

// TestSMIPrecision: the SMI flag is set only where schizophrenia, bipolar
// disorder, psychosis or serious mental illness is itself an exclusion.
func TestSMIPrecision(t *testing.T) {
	checkFlags(t, []flagCase{
		// lists of other disorders are neither SMI nor "any psychiatric disorder"
		{"Exclusion Criteria:\n- Comorbid eating disorder or substance misuse", ""},
		{"Exclusion Criteria:\n- Any current psychiatric or neurological disorder that would interfere with study assessments", "psychiatric"},
		{"Exclusion Criteria:\n- Lifetime diagnosis of schizophrenia, bipolar I disorder or another psychotic disorder", "smi"},
		// what is not the patient's own psychotic illness
		{"Exclusion Criteria:\n- Substance-induced psychotic disorder in the past 12 months", ""},
		{"Exclusion Criteria:\n- First-degree family history of schizophrenia or bipolar disorder", ""},
		{"Exclusion Criteria:\n- Current use of antipsychotics for nausea or vomiting", ""},
		{"Inclusion Criteria:\n- Current major depressive episode\nExclusion Criteria:\n- Major depressive episode with psychotic features", ""},
		{"Exclusion Criteria:\n- Bipolar disorder or schizophrenia in a first-degree relative", ""},
		{"Exclusion Criteria:\n- Ketamine-induced psychosis at any time", ""},
		{"Exclusion Criteria:\n- Depression with psychotic symptoms", ""},
		{"Exclusion Criteria:\n- Serious mental illness", "smi"},
		// broad only when it says any psychiatric disorder, in the patient
		{"Exclusion Criteria:\n- Family history of mental illness", ""},
		{"Exclusion Criteria:\n- Pervasive developmental disorder", ""},
		{"Exclusion Criteria:\n- History of psychiatric illness requiring hospital admission", "psychiatric"},
		{"Exclusion Criteria:\n- Any medical, psychiatric, psychological, social or other condition that could affect compliance", "psychiatric"},
		{"Exclusion Criteria:\n- Neuropsychiatric symptoms of Alzheimer's disease", ""},
		// a refused permission in inclusion is an explicit exclusion
		{"Inclusion Criteria:\n- Patients with a psychotic disorder may not participate", "smi"},
	})
	checkCodes(t, []codeCase{
		{"Exclusion Criteria:\n- Substance-induced psychotic disorder in the past 12 months", "", "F19"},
		{"Exclusion Criteria:\n- Major depressive episode with psychotic features", "", "F32"},
		{"Exclusion Criteria:\n- Cannabis-induced psychosis", "", "F12"},
		{"Exclusion Criteria:\n- Steroid-induced psychosis", "", "F06"},
		{"Exclusion Criteria:\n- Bipolar disorder in a parent or sibling", "", ""},
		{"Exclusion Criteria:\n- Liver disease in parenteral nutrition users", "", "K76"},
		{"Exclusion Criteria:\n- Heart failure in the past, or heart disease in a first-degree relative", "", "I50"},
		{"Inclusion Criteria:\n- Bipolar depression, current episode of at least 4 weeks", "F31", ""},
	})
}

// TestOwnConditionIsNotExcluded: read against the trial's inclusion criteria,
// an exclusion criterion does not exclude the diagnosis the trial is for.
func TestOwnConditionIsNotExcluded(t *testing.T) {
	tests := []struct {
		name, text string
		excl       string // codes still excluded by exclusion criteria, in order
		flags      string // trial flags after reconciling
	}{
		{"schizophrenia trial, treatment-resistant history",
			"Inclusion Criteria:\n- DSM-5 diagnosis of schizophrenia, clinically stable for 3 months\nExclusion Criteria:\n- History of treatment-resistant schizophrenia (clozapine use)",
			"", ""},
		{"depression trial, treatment-resistant history",
			"Inclusion Criteria:\n- Major depressive disorder, current episode\nExclusion Criteria:\n- History of treatment-resistant depression, defined as no response to three antidepressants\n- Bipolar disorder",
			"F31", "smi"},
		{"diabetes trial keeps the other codes",
			"Inclusion Criteria:\n- Type 2 diabetes treated with metformin\nExclusion Criteria:\n- Type 2 diabetes with chronic kidney disease stage 4 or 5",
			"N18", ""},
		{"cancer trial still excludes another cancer",
			"Inclusion Criteria:\n- Histologically confirmed non-small cell lung cancer\nExclusion Criteria:\n- Other malignancy within 3 years",
			"C00", ""},
		{"pregnancy trial does not exclude pregnancy",
			"Inclusion Criteria:\n- Pregnant women between 11 and 14 weeks of gestation\nExclusion Criteria:\n- Twin or higher-order pregnancy",
			"", ""},
		{"PE trial: the index event is a time reference",
			"Inclusion Criteria:\n- Objectively confirmed acute pulmonary embolism\nExclusion Criteria:\n- Myocardial infarction or stroke in the 3 months before the pulmonary embolism",
			"I21,I64", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs := ParseText(tc.text)
			reconcileTrial(cs)
			var exc, flags []string
			smi, preg := false, false
			for _, c := range cs {
				if c.Section == Exclusion {
					for _, x := range c.ExcludeAny {
						exc = append(exc, x.ICD10)
					}
				}
				smi = smi || c.ExcludesSMI
				preg = preg || c.ExcludesPregnancy
			}
			if preg {
				flags = append(flags, "pregnancy")
			}
			if smi {
				flags = append(flags, "smi")
			}
			if strings.Join(exc, ",") != tc.excl || strings.Join(flags, ",") != tc.flags {
				t.Errorf("excluded %v flags %v; want %q %q", exc, flags, tc.excl, tc.flags)
			}
		})
	}
}

// TestWordSense: a word that names a diagnosis in one context is something
// else in another.
func TestWordSense(t *testing.T) {
	checkCodes(t, []codeCase{
		{"Exclusion Criteria:\n- Horizontal or downsloping ST-segment depression of 1 mm or more at rest", "", ""},
		{"Exclusion Criteria:\n- History of opioid-induced respiratory depression", "", ""},
		{"Exclusion Criteria:\n- Concomitant drugs that cause CNS depression", "", ""},
		{"Exclusion Criteria:\n- Bone marrow depression after previous chemotherapy", "", "D61"},
		{"Exclusion Criteria:\n- Depression of consciousness (GCS below 13)", "", ""},
		{"Exclusion Criteria:\n- Current moderate or severe depression", "", "F32"},
		{"Exclusion Criteria:\n- Septic shock requiring vasopressors", "", "R57"},
		{"Exclusion Criteria:\n- Shell shock or other combat stress reaction", "", "F43"},
		{"Exclusion Criteria:\n- Planned extracorporeal shock wave lithotripsy", "", ""},
		{"Exclusion Criteria:\n- Congestive heart failure, NYHA class III-IV", "", "I50"},
		{"Exclusion Criteria:\n- Acute renal failure within 3 months", "", "N17"},
		{"Exclusion Criteria:\n- Treatment failure with two or more prior biologics", "", ""},
		{"Inclusion Criteria:\n- Virological failure on a first-line antiretroviral regimen", "", ""},
		{"Inclusion Criteria:\n- Infants with faltering growth or failure to thrive", "R62", ""},
		{"Exclusion Criteria:\n- Stroke volume index below 35 mL/m2 on echocardiography", "", ""},
		{"Exclusion Criteria:\n- Stroke or transient ischaemic attack in the past year", "", "I64,G45"},
		{"Exclusion Criteria:\n- Heat stroke within the past year", "", "T67"},
		{"Exclusion Criteria:\n- Cardiac arrest in the past 6 months", "", "I46"},
		{"Exclusion Criteria:\n- Growth arrest lines on the baseline radiograph", "", ""},
		{"Exclusion Criteria:\n- Use of medicines that lower the seizure threshold", "", ""},
		{"Exclusion Criteria:\n- Unable to press a panic button", "", ""},
		{"Exclusion Criteria:\n- Infection control precautions for a resistant organism", "", ""},
	})
}

// TestSuspicionIsNotADiagnosis: a patient referred to exclude a diagnosis, or
// suspected of it, need not have it, and must not be excluded for having it.
func TestSuspicionIsNotADiagnosis(t *testing.T) {
	checkCodes(t, []codeCase{
		{"Inclusion Criteria:\n- Adults referred for CT pulmonary angiography to exclude pulmonary embolism", "", ""},
		{"Inclusion Criteria:\n- Clinically suspected deep vein thrombosis of the lower limb", "", ""},
		{"Inclusion Criteria:\n- Attending the emergency department under investigation for acute coronary syndrome", "", ""},
		{"Inclusion Criteria:\n- Chest pain needing assessment to rule out myocardial infarction", "", ""},
		{"Inclusion Criteria:\n- Suspected COVID-19 pneumonia, not confirmed by PCR", "", ""},
		// a suspicion that has been confirmed is the diagnosis
		{"Inclusion Criteria:\n- Suspected acute ischaemic stroke, confirmed on CT or MRI", "I63", ""},
		// the same words in exclusion still exclude
		{"Exclusion Criteria:\n- Suspected or confirmed COVID-19", "", "U07"},
		// an earlier sentence's symptoms do not make a later diagnosis context
		{"Inclusion Criteria:\n- Suspected influenza with first symptoms in the past 48 hours; or known positive influenza infection by PCR", "J11", ""},
		// "regardless of" lists what is allowed, not what is needed
		{"Inclusion Criteria:\n- Pregnant women attending for delivery regardless of outcome (live birth, stillbirth or miscarriage)", "", ""},
	})
}

// TestRefusedPermissionExcludes: "… are not permitted", "… is not allowed",
// "… will not be eligible", "… may not participate", "… cannot be enrolled"
// exclude the named condition in either section.
func TestRefusedPermissionExcludes(t *testing.T) {
	checkCodes(t, []codeCase{
		{"Inclusion Criteria:\n- Patients with active hepatitis B or C infection are not permitted", "", "B18"},
		{"Inclusion Criteria:\n- Participants with epilepsy will not be eligible", "", "G40"},
		{"Inclusion Criteria:\n- People with liver cirrhosis may not participate", "", "K74"},
		{"Inclusion Criteria:\n- Concurrent HIV infection is not allowed", "", "B20"},
		{"Exclusion Criteria:\n- Patients with decompensated heart failure cannot be enrolled", "", "I50"},
		{"Exclusion Criteria:\n- Patients with asthma will not be eligible", "", "J45"},
		// a verdict about something other than this study is not an exclusion
		{"Inclusion Criteria:\n- Locally advanced pancreatic cancer not eligible for surgical resection", "C25", ""},
		{"Inclusion Criteria:\n- Patients with asthma may not participate in another interventional trial during follow-up", "J45", ""},
		{"Inclusion Criteria:\n- Patients with psoriasis are not eligible for the study", "", "L40"},
		// a double negative still grants permission
		{"Exclusion Criteria:\n- Patients with stable angina will not be excluded", "", ""},
		{"Exclusion Criteria:\n- Patients with vitiligo are permitted", "", ""},
	})
	checkFlags(t, []flagCase{
		{"Inclusion Criteria:\n- Pregnant or breastfeeding women are not permitted to take part", "pregnancy,breastfeeding"},
		{"Inclusion Criteria:\n- Patients with unstable psychiatric illness will not be eligible", "psychiatric"},
	})
}

// TestQualifiersNeverWiden: a qualified diagnosis keeps the code of the named
// diagnosis (the evaluator turns the qualifier into a question), never a broader
// or different one.
func TestQualifiersNeverWiden(t *testing.T) {
	checkCodes(t, []codeCase{
		{"Exclusion Criteria:\n- Upper-limb peripheral vascular disease", "", "I73"},
		{"Exclusion Criteria:\n- Uncontrolled hypertension (systolic above 160 mmHg)", "", "I10"},
		{"Exclusion Criteria:\n- Type 2 diabetes treated with a glitazone", "", "E11"},
		{"Exclusion Criteria:\n- Active hepatitis B infection", "", "B18"},
		{"Exclusion Criteria:\n- Severe asthma requiring oral corticosteroids", "", "J45"},
		{"Exclusion Criteria:\n- Hypertensive crisis within 6 months", "", "I10"},
		{"Exclusion Criteria:\n- Hypertensive cardiovascular disease", "", "I11"},
		{"Exclusion Criteria:\n- Poorly controlled hypertensive kidney disease", "", "I12"},
	})
}

// TestVocabularyAcrossChapters: common diagnoses from many ICD-10 chapters.
func TestVocabularyAcrossChapters(t *testing.T) {
	for term, want := range map[string]string{
		"septic arthritis": "M00", "heat stroke": "T67", "carbon monoxide poisoning": "T58", "otitis externa": "H60",
		"keratoconus": "H18", "vulvodynia": "N94", "craniosynostosis": "Q75", "pyoderma gangrenosum": "L88",
		"rhabdomyolysis": "M62", "haemorrhoids": "K64", "substance-induced psychosis": "F19", "psychotic depression": "F32",
		"toxic shock syndrome": "A48", "diabetes insipidus": "E23", "neurocysticercosis": "B69", "temporomandibular disorder": "K07",
		"vestibular schwannoma": "D33", "acute disseminated encephalomyelitis": "G36", "hypersensitivity pneumonitis": "J67",
		"recurrent miscarriage": "N96", "meconium aspiration syndrome": "P24", "rib fractures": "S22", "failure to thrive": "R62",
	} {
		got := LookupCondition(term)
		if len(got) != 1 || got[0].ICD10 != want {
			t.Errorf("LookupCondition(%q) = %v, want %s", term, got, want)
		}
	}
}

// whoOnlyCategories are WHO ICD-10 categories (the classification the NHS
// codes in) that ICD-10-CM does not have: CM split or moved them.
var whoOnlyCategories = map[string]string{
	"A16": "Respiratory tuberculosis, not confirmed bacteriologically or histologically",
	"E14": "Unspecified diabetes mellitus",
	"F00": "Dementia in Alzheimer disease",
	"G41": "Status epilepticus",
	"I64": "Stroke, not specified as haemorrhage or infarction",
	"J46": "Status asthmaticus",
	"K07": "Dentofacial anomalies [including malocclusion]",
	"P21": "Birth asphyxia",
	"T08": "Fracture of spine, level unspecified",
	"T09": "Other injuries of spine and trunk, level unspecified",
	"T35": "Frostbite involving multiple body regions and unspecified frostbite",
}

// cmOnlyCategories are ICD-10-CM categories that WHO ICD-10 does not have;
// the vocabulary codes in WHO ICD-10 (FORMAT.md), so none may be used.
var cmOnlyCategories = map[string]string{
	"C4A": "Merkel cell carcinoma", "C7A": "Malignant neuroendocrine tumors", "C7B": "Secondary neuroendocrine tumors",
	"D3A": "Benign neuroendocrine tumors", "D78": "Intraoperative complications of the spleen", "E08": "Diabetes due to underlying condition",
	"E09": "Drug or chemical induced diabetes", "E36": "Intraoperative complications of endocrine system", "G89": "Pain, not elsewhere classified",
	"I16": "Hypertensive crisis", "I1A": "Other hypertension", "I5A": "Non-ischemic myocardial injury", "J4B": "Bronchiectasis",
	"K68": "Disorders of retroperitoneum", "K94": "Complications of artificial openings of the digestive system",
	"K95": "Complications of bariatric procedures", "L76": "Intraoperative complications of skin", "M1A": "Chronic gout",
	"M26": "Dentofacial anomalies", "M27": "Other diseases of jaws", "N52": "Male erectile dysfunction", "N53": "Other male sexual dysfunction",
	"O9A": "Maternal malignant neoplasms, traumatic injuries and abuse", "Z3A": "Weeks of gestation", "Z68": "Body mass index",
}

// TestVocabularyCodesAreICD10Categories: every code in conditions.tsv is a
// three-character category of ICD-10-CM (shared/terminology) or a known
// WHO-only category, and none is a category only ICD-10-CM has.
func TestVocabularyCodesAreICD10Categories(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "..", "..", "shared", "terminology", "icd10cm_categories.csv")
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("ICD-10-CM category list not found (%v); skipping the code check", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	cats := map[string]bool{}
	for _, r := range rows[1:] {
		cats[r[0]] = true
	}
	for code, title := range whoOnlyCategories {
		if cats[code] {
			t.Errorf("%s (%s) is listed as WHO-only but ICD-10-CM has it", code, title)
		}
	}
	for _, c := range Conditions() {
		if len(c.ICD10) != 3 {
			t.Errorf("%q: code %q is not a three-character category", c.Name, c.ICD10)
			continue
		}
		if !cats[c.ICD10] && whoOnlyCategories[c.ICD10] == "" {
			t.Errorf("%q: %s is neither an ICD-10-CM category nor a known WHO-only category", c.Name, c.ICD10)
		}
		if title := cmOnlyCategories[c.ICD10]; title != "" {
			t.Errorf("%q: %s (%s) is ICD-10-CM only; use the WHO ICD-10 category", c.Name, c.ICD10, title)
		}
	}
}

// TestSensesAreKnownCategories: every word-sense rule names a category the
// vocabulary uses, so a typo cannot silently disable it.
func TestSensesAreKnownCategories(t *testing.T) {
	v := loadVocabulary()
	s := loadSenses()
	for _, m := range []map[string][][]string{s.before, s.after} {
		for code := range m {
			if len(v.byICD[code]) == 0 {
				t.Errorf("senses.tsv names %s, which no vocabulary entry has", code)
			}
		}
	}
}

// TestExclusionExceptionsAreNotRequirements: a diagnosis an exclusion names in
// the negative narrows that exclusion; the facts do not list it as required of
// every participant. Invented criteria.
func TestExclusionExceptionsAreNotRequirements(t *testing.T) {
	for _, text := range []string{
		"Inclusion Criteria:\n- Adults with chronic kidney disease\nExclusion Criteria:\n- Retinal disease that is not due to age-related macular degeneration",
		"Inclusion Criteria:\n- Adults with chronic kidney disease\nExclusion Criteria:\n- Any liver disease other than non-alcoholic fatty liver disease",
	} {
		f := FactsOf(&Criteria{NCTID: "NCT00000000", Sex: "ALL", Criteria: ParseText(text)})
		if strings.Join(f.ConditionsRequired, ",") != "N18" {
			t.Errorf("%q: required %v, want only N18 (what inclusion requires)", text, f.ConditionsRequired)
		}
	}
}

// TestSpacedDashEndsSentence: a permission after " - " belongs to its own
// sentence and does not lift the exclusion before it. Invented criterion.
func TestSpacedDashEndsSentence(t *testing.T) {
	checkCodes(t, []codeCase{
		{"Exclusion Criteria:\n- Untreated or symptomatic brain metastases - patients with treated, stable brain metastases may be included", "", "C79"},
		{"Inclusion Criteria:\n- Adults aged 18 - 65 with type 2 diabetes", "E11", ""},
	})
}
