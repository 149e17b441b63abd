// Package eligibility turns the free-text eligibility section of a ClinicalTrials.gov
// record into criteria a machine can evaluate and a person can check, and evaluates
// patient profiles against them.
//
// The pipeline is: Parse (sections → criteria → structured parts: age, labs,
// conditions, flags), Compile (a compact form with pre-resolved analyte and
// condition ids so that one profile can be checked against thousands of trials
// cheaply), and Evaluate (met / not_met / unknown per criterion, with a reason and,
// for unknowns, a question a nurse can ask). Facts renders the same parse in the
// labelled-set shape of shared/eligibility/FORMAT.md so that it can be scored.
//
// Everything here is pure: no I/O beyond the embedded vocabulary files, no network.
// The vocabulary (conditions, analytes) is data in vocab/, not code, so that it can
// grow without touching the parser.
package eligibility
