package patients

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"equitrial"
)

// FuzzPrepare drives arbitrary JSON through decoding, normalising and validating a
// profile without the HTTP layer (api.FuzzPatientDecode covers the strict decoder
// too). Nothing may panic or hang; a profile that passes must be a fixed point.
func FuzzPrepare(f *testing.F) {
	f.Add([]byte(`{"postcode":"sw1a1aa","nhsNumber":"943 476 5919","conditions":[{"text":"type 2 diabetes and COPD"}]}`))
	f.Add([]byte(`{"observations":[{"analyte":"HbA1c","value":58,"unit":"mmol/mol","date":"2025-01-01"}],"language":"Polish"}`))
	f.Add([]byte(`{"phone":"+44 (0)20 7946 0018","census2021Ethnicity":"Asian, Asian British or Asian Welsh: Indian","ethnicCategory":" h "}`))
	f.Add([]byte(`{"consent":{"contact":true,"date":"2025-01-01","version":"v1","channel":"In-Person"},"birthDate":"1961-02-29"}`))
	checker := NewChecker(func() time.Time { return fixedNow })
	f.Fuzz(func(t *testing.T, body []byte) {
		var p equitrial.Patient
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if dec.Decode(&p) != nil {
			return
		}
		if err := checker.Prepare(&p); err != nil {
			if !equitrial.Is(equitrial.KindInvalid, err) || len(fieldNames(err)) == 0 {
				t.Fatalf("failure without a named field: %v", err)
			}
			return
		}
		once, _ := json.Marshal(&p)
		var again equitrial.Patient
		if err := json.Unmarshal(once, &again); err != nil {
			t.Fatal(err)
		}
		if err := checker.Prepare(&again); err != nil {
			t.Fatalf("valid profile invalid after a round trip: %v\n%s", err, once)
		}
		if twice, _ := json.Marshal(&again); !bytes.Equal(once, twice) {
			t.Fatalf("normalising is not idempotent:\n%s\n%s", once, twice)
		}
		DeriveStrata(&again, nil, fixedNow)
	})
}
