package api

import (
	"strings"

	"equitrial"
)

// A patient changing their own record through their private link (or NHS login)
// may not change their NHS number. The number is what NHS login and staff use to
// find a person's record: a patient who could set it to someone else's would take
// over that person's NHS login sign-in (or block it, as two records would then
// share the number). Staff change it, having checked it; the patient's page tells
// them to ask. Setting the same number in another spelling is not a change.
func patientMayChange(caller Caller, cur, next *equitrial.Patient) error {
	if caller.Role != Patient || sameNHSNumber(cur.NHSNumber, next.NHSNumber) {
		return nil
	}
	return &equitrial.Error{Kind: equitrial.KindForbidden,
		Detail: "your NHS number can only be changed by the research team, who check it: contact them to change it",
		Fields: []equitrial.FieldError{{Field: "nhsNumber", Detail: "can only be changed by staff"}}}
}

func sameNHSNumber(a, b string) bool {
	norm := func(s string) string {
		if n, ok := equitrial.NormaliseNHSNumber(s); ok {
			return n
		}
		return strings.TrimSpace(s)
	}
	return norm(a) == norm(b)
}
