package synth

// condition is a disease area a demo trial can study, with what real protocols in
// that area typically measure, give and exclude.
type condition struct {
	name          string
	mesh          string
	keywords      []string
	interventions []string // drug, device or behavioural names
	minAge        int
	maxAge        int // 0: no upper limit
	inclusionLabs []string
	exclusionLabs []string
	sex           string // "" for ALL
}

var conditions = []condition{
	{"Type 2 Diabetes", "Diabetes Mellitus, Type 2", []string{"glycaemic control", "HbA1c", "insulin resistance"},
		[]string{"Semaglutide", "Tirzepatide", "Metformin", "Structured education programme"}, 18, 80,
		[]string{"HbA1c between 7.0% and 10.5%", "BMI 25 to 45 kg/m2"}, []string{"eGFR < 30 mL/min/1.73m2", "ALT > 3 x ULN"}, ""},
	{"Heart Failure", "Heart Failure", []string{"HFrEF", "ejection fraction", "cardiology"},
		[]string{"Dapagliflozin", "Sacubitril/valsartan", "Remote monitoring"}, 40, 0,
		[]string{"LVEF ≤ 40%", "NT-proBNP ≥ 600 pg/mL"}, []string{"eGFR < 25 mL/min/1.73m2", "Systolic blood pressure < 95 mmHg", "Potassium > 5.2 mmol/L"}, ""},
	{"Chronic Obstructive Pulmonary Disease", "Pulmonary Disease, Chronic Obstructive", []string{"COPD", "exacerbation", "pulmonary rehabilitation"},
		[]string{"Tiotropium", "Pulmonary rehabilitation", "Digital self-management"}, 40, 0,
		[]string{"FEV1/FVC < 0.70", "FEV1 30% to 80% predicted"}, []string{"Oxygen saturation < 88% at rest"}, ""},
	{"Major Depressive Disorder", "Depressive Disorder, Major", []string{"depression", "mental health", "psychological therapy"},
		[]string{"Sertraline", "Cognitive behavioural therapy", "Esketamine"}, 18, 65,
		[]string{"PHQ-9 score ≥ 10"}, nil, ""},
	{"Schizophrenia", "Schizophrenia", []string{"psychosis", "serious mental illness", "antipsychotic"},
		[]string{"Clozapine", "Physical health check intervention", "Smoking cessation support"}, 18, 70,
		nil, nil, ""},
	{"Breast Cancer", "Breast Neoplasms", []string{"HER2", "oncology", "adjuvant"},
		[]string{"Trastuzumab deruxtecan", "Letrozole", "Exercise programme"}, 18, 0,
		[]string{"ECOG performance status 0-1", "Neutrophils ≥ 1.5 x 10^9/L", "Platelets ≥ 100 x 10^9/L"}, []string{"Bilirubin > 1.5 x ULN"}, "FEMALE"},
	{"Prostate Cancer", "Prostatic Neoplasms", []string{"PSA", "oncology", "androgen deprivation"},
		[]string{"Enzalutamide", "Radiotherapy", "Active surveillance"}, 40, 0,
		[]string{"PSA ≥ 2 ng/mL", "ECOG performance status 0-2"}, []string{"Haemoglobin < 90 g/L"}, "MALE"},
	{"Hypertension", "Hypertension", []string{"blood pressure", "cardiovascular risk"},
		[]string{"Amlodipine", "Home blood pressure monitoring", "Salt reduction"}, 18, 85,
		[]string{"Systolic blood pressure 140 to 179 mmHg"}, []string{"eGFR < 30 mL/min/1.73m2"}, ""},
	{"Asthma", "Asthma", []string{"inhaled corticosteroid", "airways"},
		[]string{"Budesonide/formoterol", "Benralizumab"}, 12, 75,
		[]string{"Blood eosinophils ≥ 300 cells/µL"}, nil, ""},
	{"Chronic Kidney Disease", "Renal Insufficiency, Chronic", []string{"CKD", "albuminuria", "nephrology"},
		[]string{"Finerenone", "Empagliflozin"}, 18, 0,
		[]string{"eGFR 25 to 75 mL/min/1.73m2", "UACR ≥ 200 mg/g"}, []string{"Potassium > 5.0 mmol/L"}, ""},
	{"Stroke", "Stroke", []string{"rehabilitation", "thrombolysis", "secondary prevention"},
		[]string{"Tenecteplase", "Upper limb robotic therapy"}, 18, 0,
		[]string{"NIHSS score 4 to 25"}, []string{"Platelets < 100 x 10^9/L"}, ""},
	{"Rheumatoid Arthritis", "Arthritis, Rheumatoid", []string{"DMARD", "inflammation"},
		[]string{"Upadacitinib", "Methotrexate"}, 18, 75,
		[]string{"CRP ≥ 10 mg/L"}, []string{"Haemoglobin < 80 g/L", "ALT > 2 x ULN"}, ""},
	{"Obesity", "Obesity", []string{"weight management", "BMI"},
		[]string{"Semaglutide 2.4 mg", "Tier 3 weight management service"}, 18, 75,
		[]string{"BMI ≥ 30 kg/m2"}, []string{"HbA1c ≥ 6.5%"}, ""},
	{"Sickle Cell Disease", "Anemia, Sickle Cell", []string{"haemoglobinopathy", "vaso-occlusive crisis"},
		[]string{"Voxelotor", "Crizanlizumab"}, 12, 65,
		[]string{"Haemoglobin 55 to 105 g/L"}, []string{"eGFR < 45 mL/min/1.73m2"}, ""},
	{"Dementia", "Dementia", []string{"Alzheimer", "cognition", "memory"},
		[]string{"Lecanemab", "Cognitive stimulation therapy"}, 60, 90,
		[]string{"MMSE score 20 to 28"}, nil, ""},
	{"Atrial Fibrillation", "Atrial Fibrillation", []string{"anticoagulation", "arrhythmia"},
		[]string{"Apixaban", "Catheter ablation"}, 50, 0,
		nil, []string{"Creatinine clearance < 30 mL/min"}, ""},
	{"Bipolar Disorder", "Bipolar Disorder", []string{"mood stabiliser", "serious mental illness"},
		[]string{"Lithium", "Lamotrigine", "Peer support"}, 18, 65,
		nil, nil, ""},
	{"Colorectal Cancer", "Colorectal Neoplasms", []string{"bowel cancer", "screening", "oncology"},
		[]string{"FOLFOX", "Faecal immunochemical test outreach"}, 50, 80,
		[]string{"ECOG performance status 0-1"}, []string{"Bilirubin > 1.5 x ULN"}, ""},
	{"Long COVID", "Post-Acute COVID-19 Syndrome", []string{"post COVID-19 condition", "fatigue", "breathlessness"},
		[]string{"Rehabilitation programme", "Montelukast"}, 18, 0,
		nil, nil, ""},
	{"Psoriasis", "Psoriasis", []string{"plaque psoriasis", "dermatology", "biologic"},
		[]string{"Bimekizumab", "Narrowband UVB phototherapy"}, 18, 75,
		[]string{"PASI score ≥ 12"}, nil, ""},
}
