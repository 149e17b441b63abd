package eligibility

import "sort"

// unitSpellings maps written units (lower case, spaces removed) onto the spelling
// of the analyte table. Matching is longest-first, so "mg/dl" wins over "mg".
var unitSpellings = map[string]string{
	"x10^9/l": "10^9/L", "x10*9/l": "10^9/L", "x109/l": "10^9/L", "x10e9/l": "10^9/L", "*10^9/l": "10^9/L",
	"10^9/l": "10^9/L", "10*9/l": "10^9/L", "x10(9)/l": "10^9/L", "giga/l": "10^9/L", "x10^9cells/l": "10^9/L", "10e9/l": "10^9/L",
	"x10^3/ul": "10^3/uL", "x10^3/mm3": "10^3/uL", "x10^3/mcl": "10^3/uL", "10^3/ul": "10^3/uL", "10^3/mm3": "10^3/uL",
	"x103/ul": "10^3/uL", "k/ul": "10^3/uL", "k/mm3": "10^3/uL", "x10^3/l": "", "x10^3cells/ul": "10^3/uL", "10^3/mcl": "10^3/uL",
	"cells/mm3": "/mm3", "cells/mm^3": "/mm3", "cell/mm3": "/mm3", "cells/cumm": "/mm3", "/mm3": "/mm3", "/mm^3": "/mm3",
	"permm3": "/mm3", "/cmm": "/mm3", "/cumm": "/mm3", "cells/ul": "/uL", "cells/mcl": "/uL", "cells/microliter": "/uL",
	"/ul": "/uL", "/mcl": "/uL", "/microliter": "/uL", "/microl": "/uL", "cells/mm": "/mm3", "/mm": "/mm3",
	"mg/dl": "mg/dL", "mg/100ml": "mg/dL", "umol/l": "umol/L", "mcmol/l": "umol/L", "micromol/l": "umol/L", "umol/liter": "umol/L",
	"mmol/l": "mmol/L", "mmol/mol": "mmol/mol", "meq/l": "mEq/L", "g/dl": "g/dL", "gm/dl": "g/dL", "g/l": "g/L",
	"mg/l": "mg/L", "ng/ml": "ng/mL", "ng/l": "ng/L", "ug/ml": "ug/mL", "mcg/ml": "ug/mL", "ug/l": "ug/L", "mcg/l": "ug/L",
	"iu/l": "U/L", "u/l": "U/L", "ui/l": "U/L", "units/l": "U/L", "miu/l": "mIU/L", "uiu/ml": "uIU/mL", "mu/l": "mIU/L", "miu/ml": "",
	"ml/min/1.73m2": "mL/min/1.73m2", "ml/min/1.73m^2": "mL/min/1.73m2", "ml/min/1.73sqm": "mL/min/1.73m2", "ml/min/1.73": "mL/min/1.73m2",
	"ml/min/1,73m2": "mL/min/1.73m2", "ml/minper1.73m2": "mL/min/1.73m2", "ml/minute/1.73m2": "mL/min/1.73m2", "ml/min/1.73m": "mL/min/1.73m2",
	"ml/min": "mL/min", "ml/minute": "mL/min", "ml/mn": "mL/min", "cc/min": "mL/min",
	"copies/ml": "copies/mL", "cp/ml": "copies/mL", "copies": "copies/mL", "iu/ml": "",
	"mmhg": "mmHg", "mm/hg": "mmHg", "mmofhg": "mmHg",
	"bpm": "bpm", "beats/min": "bpm", "beatsperminute": "bpm", "beats/minute": "bpm", "beatsamin": "bpm",
	"breaths/min": "/min", "breathsperminute": "/min", "breaths/minute": "/min", "/min": "/min", "perminute": "/min", "/minute": "/min", "rpm": "/min",
	"msec": "ms", "ms": "ms", "milliseconds": "ms",
	"kg/m2": "kg/m2", "kg/m^2": "kg/m2", "kg/sqm": "kg/m2", "kg/m": "kg/m2",
	"kg": "kg", "kgs": "kg", "kilograms": "kg", "lbs": "lb", "lb": "lb", "pounds": "lb", "grams": "g", "gm": "g", "g": "g",
	"%": "%", "percent": "%", "percentage": "%", "pct": "%",
	"liters": "L", "litres": "L", "liter": "L", "litre": "L", "l": "L",
	"months": "months", "month": "months", "mo": "months", "mos": "months",
	"weeks": "weeks", "week": "weeks", "wk": "weeks", "wks": "weeks",
	"years": "years", "year": "years", "yrs": "years", "yr": "years", "y": "years",
	"days": "days", "day": "days", "hours": "hours", "hour": "hours", "hrs": "hours", "hr": "hours", "h": "hours",
	"c": "C", "celsius": "C", "degreesc": "C", "degc": "C", "f": "F", "fahrenheit": "F", "degreesf": "F",
	"points": "score", "point": "score", "ratio": "ratio",
	"mg/kg": "", "mg": "", "mm": "", "cm": "", "ml": "", "cells": "", "ng/dl": "", "pg/ml": "", "mu/ml": "",
}

var unitKeys = func() []string {
	k := make([]string, 0, len(unitSpellings))
	for s := range unitSpellings {
		k = append(k, s)
	}
	sort.Slice(k, func(i, j int) bool {
		if len(k[i]) != len(k[j]) {
			return len(k[i]) > len(k[j])
		}
		return k[i] < k[j]
	})
	return k
}()

// matchUnit finds the longest unit spelling at the start of compact (lower case,
// no spaces). It returns the standard spelling ("" for a recognised unit that no
// analyte uses, e.g. "mg/kg") and the bytes consumed, 0 when none.
func matchUnit(compact string) (string, int) {
	for _, k := range unitKeys {
		if len(k) <= len(compact) && compact[:len(k)] == k {
			// a unit that ends in a letter must not run into a word ("g" in "given")
			if n := len(k); n < len(compact) && isLetter(k[n-1]) && isLetter(compact[n]) {
				continue
			}
			return unitSpellings[k], len(k)
		}
	}
	return "", 0
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
