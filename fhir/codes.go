package fhir

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"

	"equitrial/eligibility"
)

//go:embed observations.tsv
var observationsTSV string

// observationCodes maps "system|code" to an analyte name; the table is data
// (observations.tsv), so that a trust can see and extend what is read.
var observationCodes = sync.OnceValue(func() map[string]string {
	m, err := parseObservationCodes(observationsTSV)
	if err != nil {
		panic(err) // the embedded table is checked by the tests
	}
	return m
})

func parseObservationCodes(tsv string) (map[string]string, error) {
	systems := map[string]string{"loinc": SystemLOINC, "snomed": SystemSNOMED}
	m := map[string]string{}
	for n, line := range strings.Split(tsv, "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 3 {
			return nil, fmt.Errorf("observations.tsv:%d: want system, code, analyte", n+1)
		}
		system, ok := systems[f[0]]
		if !ok {
			return nil, fmt.Errorf("observations.tsv:%d: unknown system %q", n+1, f[0])
		}
		a, ok := eligibility.LookupAnalyte(f[2])
		if !ok || a.Name != f[2] {
			return nil, fmt.Errorf("observations.tsv:%d: %q is not an analyte of eligibility/vocab/analytes.tsv", n+1, f[2])
		}
		key := system + "|" + f[1]
		if _, dup := m[key]; dup {
			return nil, fmt.Errorf("observations.tsv:%d: %s %s is listed twice", n+1, f[0], f[1])
		}
		m[key] = f[2]
	}
	return m, nil
}

// analyteFor is the analyte a LOINC or SNOMED CT coding measures, with the index
// of the coding that said so.
func analyteFor(codings []codingView) (string, int) {
	for k, c := range codings {
		if a, ok := observationCodes()[c.system+"|"+c.code]; ok {
			return a, k
		}
	}
	return "", -1
}

// codingView is a coding's system and code, whatever model type it came from.
type codingView struct{ system, code string }

// ucumUnits spells UCUM unit codes the way the analyte table does, where the two
// differ; other codes ("mmol/L", "%", "kg") are already the same.
var ucumUnits = map[string]string{
	"mL/min/{1.73_m2}": "mL/min/1.73m2",
	"mL/min/1.73.m2":   "mL/min/1.73m2",
	"mL/min/{1.73m2}":  "mL/min/1.73m2",
	"mm[Hg]":           "mmHg",
	"10*9/L":           "10^9/L",
	"10*3/uL":          "10^3/uL",
	"10*3/mm3":         "10^3/uL",
	"[IU]/L":           "U/L",
	"m[IU]/L":          "mIU/L",
	"u[IU]/mL":         "uIU/mL",
	"{copies}/mL":      "copies/mL",
	"{cells}/uL":       "cells/uL",
	"Cel":              "C",
	"[degF]":           "F",
	"[lb_av]":          "lb",
	"kg/m2":            "kg/m2",
	"{beats}/min":      "bpm",
	"{breaths}/min":    "/min",
	"{score}":          "score",
	"{ratio}":          "ratio",
	"{INR}":            "ratio",
	"1":                "ratio",
}

// unitFor settles the unit of a measurement of analyte: the UCUM code (spelled as
// the analyte table spells it) if the analyte takes it, else the unit as written,
// else, for a score or class, the analyte's own unit. What it returns is checked
// by the patient validator, which names the field if it is still wrong.
func unitFor(analyte, ucum, written string) string {
	var tries []string
	if ucum != "" {
		if u, ok := ucumUnits[ucum]; ok {
			tries = append(tries, u)
		}
		tries = append(tries, ucum)
		if ucum == "/min" && analyte == "heart_rate" {
			tries = append(tries, "bpm") // UCUM writes beats per minute as /min
		}
	}
	if written != "" {
		tries = append(tries, written)
	}
	for _, t := range tries {
		if u, ok := eligibility.ValidUnit(analyte, t); ok {
			return u
		}
	}
	if len(tries) == 0 {
		if u, ok := eligibility.ValidUnit(analyte, ""); ok {
			return u // scores and classes have no unit
		}
		return ""
	}
	return tries[0]
}
