package fhir

// The identifier, code and extension systems equitrial reads and writes. They are
// the ones UK Core R4 and NHS England name; a coding in any other system is not
// understood (and said so), never guessed at.
const (
	// SystemNHSNumber identifies a Patient's NHS number (UK Core Patient.identifier:nhsNumber).
	SystemNHSNumber = "https://fhir.nhs.uk/Id/nhs-number"

	// ExtEthnicCategory is UK Core's ethnic category extension on Patient; its
	// valueCodeableConcept carries an NHS Data Dictionary ethnic category code.
	ExtEthnicCategory = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory"
	// ExtInterpreterRequired is the core FHIR extension saying whether the patient
	// needs an interpreter.
	ExtInterpreterRequired = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"

	// SystemICD10 and SystemICD10UK are ICD-10 (WHO) and its UK edition, as the
	// NHS sends hospital diagnoses; both are read as ICD-10.
	SystemICD10   = "http://hl7.org/fhir/sid/icd-10"
	SystemICD10UK = "http://hl7.org/fhir/sid/icd-10-uk"
	SystemSNOMED  = "http://snomed.info/sct"
	SystemLOINC   = "http://loinc.org"
	SystemUCUM    = "http://unitsofmeasure.org"
	SystemBCP47   = "urn:ietf:bcp:47"

	SystemConditionClinical     = "http://terminology.hl7.org/CodeSystem/condition-clinical"
	SystemConditionVerification = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
	SystemListEmptyReason       = "http://terminology.hl7.org/CodeSystem/list-empty-reason"
	SystemResearchStudyPhase    = "http://terminology.hl7.org/CodeSystem/research-study-phase"

	// SystemNCT identifies a study by its ClinicalTrials.gov NCT number.
	SystemNCT = "https://clinicaltrials.gov"
)

// ethnicCategorySystems are the code systems whose codes are the NHS Data
// Dictionary ethnic categories (A–S, Z): UK Core's England code system, and
// CareConnect's (STU3) that older feeds still send. Wales' code system reuses
// letters with other meanings (B is Gypsy or Irish Traveller there), so it is
// refused rather than misread.
var ethnicCategorySystems = map[string]bool{
	"https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland":      true,
	"https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-EthnicCategory-1": true,
}

// problemListCodes are the List codes that make a List a patient's problem list:
// GP Connect's "Problems" list (SNOMED CT 717711000000103) and LOINC's problem list.
var problemListCodes = map[string]bool{
	SystemSNOMED + "|717711000000103": true,
	SystemLOINC + "|11450-4":          true,
}
