// Package fhir maps between HL7 FHIR R4 (as UK Core profiles it) and equitrial's
// domain: a Bundle of Patients, Conditions and Observations from an electronic
// patient record becomes patient profiles (Read, Merge, Plan, Write); a trial
// becomes a ResearchStudy and its recruitment log ResearchSubjects.
//
// The FHIR types are those of github.com/samply/golang-fhir-models; the package
// imports neither gin nor mongo. Writing goes through a Store the caller supplies
// (the patient repository), so that a Bundle is stored exactly as the patient
// routes store a profile.
//
// What a Bundle may hold, and how it is read:
//
//   - type transaction or collection; entries with request.method POST or PUT (or
//     none). Patient, Condition, Observation and List are read; any other resource
//     is noted as not used.
//   - Patient: the NHS number (https://fhir.nhs.uk/Id/nhs-number) is required and
//     is how the patient is found again, in the caller's organisation; name,
//     birthDate (a whole date), gender, home address postalCode, UK Core ethnic
//     category extension (NHS Data Dictionary codes), telecom, communication and
//     the interpreterRequired extension. Consent to contact is never taken from a
//     Bundle.
//   - Condition: ICD-10 (http://hl7.org/fhir/sid/icd-10 or icd-10-uk) preferred,
//     else SNOMED CT, else text; verificationStatus refuted records the diagnosis
//     absent (condition.go has the whole table).
//   - Observation: LOINC or SNOMED CT codes listed in observations.tsv, value with
//     a UCUM unit, effective date; final, amended or corrected only.
//   - List: a problem list can mark a patient's conditions complete (problemlist.go).
//
// Every problem is reported at once, each naming its entry (index, fullUrl) and
// field, and then nothing is stored.
package fhir
