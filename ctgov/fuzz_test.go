package ctgov

import (
	"bytes"
	"testing"

	"equitrial"
)

// FuzzRead: any bytes in an import give good records or bad ones with reasons,
// never a panic, and a good record always has a valid NCT id.
func FuzzRead(f *testing.F) {
	for _, s := range []string{
		`{"protocolSection":{"identificationModule":{"nctId":"NCT00000001"}}}`,
		`[{"protocolSection":{"identificationModule":{"nctId":"NCT00000001"}}}, 3, "x"]`,
		`{"studies":[{"protocolSection":{}}],"nextPageToken":"a"}`,
		"{\"a\":1}\n{\"protocolSection\":{\"eligibilityModule\":{\"minimumAge\":\"18 Years\"}}}\n",
		`{"protocolSection":{"identificationModule":{"nctId":"NCT00000002"},"eligibilityModule":{"maximumAge":"9e999 Years"}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		Read("fuzz", bytes.NewReader(data), func(r Record) error {
			if r.Err == nil && (r.Trial == nil || !ValidNCTID(r.Trial.NCTID)) {
				t.Fatalf("a record without a valid id was accepted: %+v", r.Trial)
			}
			if r.Err != nil && equitrial.KindOf(r.Err) != equitrial.KindInvalid {
				t.Fatalf("a bad record's error has kind %v: %v", equitrial.KindOf(r.Err), r.Err)
			}
			return nil
		})
	})
}
