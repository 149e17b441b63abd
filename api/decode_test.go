package api

import (
	"strings"
	"testing"

	"equitrial"
)

type sample struct {
	Name  string            `json:"name"`
	Age   int               `json:"age"`
	Tags  []string          `json:"tags"`
	Extra map[string]string `json:"extra"`
}

func TestDecodeStrict(t *testing.T) {
	deep := strings.Repeat(`{"extra":`, 40) + `{}` + strings.Repeat(`}`, 40)
	for _, tc := range []struct {
		body, wantErr string
	}{
		{`{"name":"A","age":3,"tags":["x"],"extra":{"k":"v"}}`, ""},
		{`{"name":"A","colour":"red"}`, `unknown field "colour"`},
		{`{"name":{"$gt":""}}`, "$gt"},
		{`{"extra":{"$where":"1"}}`, "$where"},
		{`{"tags":["$ok as a value"]}`, ""},
		{`{"name":"$ok as a value"}`, ""},
		{`{"age":"three"}`, "age must be a number"},
		{`{"name":"A"`, "ends too soon"},
		{`{"name":"A"} {"name":"B"}`, "more than one"},
		{"{\"name\":\"\xff\"}", "UTF-8"},
		{``, "empty"},
		{deep, "nested more than"},
		{`[1,2]`, "must be an object"},
	} {
		var v sample
		err := DecodeStrict([]byte(tc.body), &v)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tc.body, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%.60s: error %v, want one mentioning %q", tc.body, err, tc.wantErr)
		case tc.wantErr != "" && !equitrial.Is(equitrial.KindInvalid, err):
			t.Errorf("%.60s: error kind %v, want invalid", tc.body, equitrial.KindOf(err))
		}
	}
}

func FuzzDecodeStrict(f *testing.F) {
	for _, s := range []string{`{"name":"A","age":3}`, `{"name":{"$gt":""}}`, `[[[[`, `{"extra":{"a":"b"}}`, "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var v sample
		err := DecodeStrict(body, &v)
		if err != nil && !equitrial.Is(equitrial.KindInvalid, err) {
			t.Fatalf("error of kind %v: %v", equitrial.KindOf(err), err)
		}
		if err == nil && strings.Contains(string(body), `"$`) && strings.Contains(string(body), `":`) {
			// A $-key must never get through; a $ inside a value may.
			for k := range v.Extra {
				if strings.HasPrefix(k, "$") {
					t.Fatalf("operator key %q accepted", k)
				}
			}
		}
	})
}

type caseInner struct {
	Org  string `json:"org"`
	Kind string
}

type caseBase struct {
	ID string `json:"id"`
}

type caseSample struct {
	caseBase
	Name   string               `json:"name"`
	Inner  *caseInner           `json:"inner"`
	List   []caseInner          `json:"list"`
	ByKey  map[string]caseInner `json:"byKey"`
	Free   map[string]string    `json:"free"`
	Hidden string               `json:"-"`
}

// Go's decoder would put "Org" into org and "NAME" into name; strict decoding
// refuses keys that differ from a field only in case, wherever they are.
func TestDecodeStrictRefusesMiscasedKeys(t *testing.T) {
	for _, tc := range []struct{ body, wantErr string }{
		{`{"id":"a","name":"n","inner":{"org":"o","Kind":"k"},"list":[{"org":"o"}],"byKey":{"Any Key":{"org":"o"}},"free":{"ORG":"x"}}`, ""},
		{`{"ID":"a"}`, `ID`},
		{`{"Name":"n"}`, `Name`},
		{`{"inner":{"Org":"o"}}`, `inner.Org`},
		{`{"inner":{"kind":"k"}}`, `inner.kind`},
		{`{"list":[{"org":"o"},{"ORG":"o"}]}`, `list[1].ORG`},
		{`{"byKey":{"k":{"oRg":"o"}}}`, `byKey.k.oRg`},
		{`{"hidden":"x"}`, `unknown field "hidden"`},
	} {
		var v caseSample
		err := DecodeStrict([]byte(tc.body), &v)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tc.body, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr) || !equitrial.Is(equitrial.KindInvalid, err)):
			t.Errorf("%s: error %v, want an invalid-input error naming %q", tc.body, err, tc.wantErr)
		}
	}
}
