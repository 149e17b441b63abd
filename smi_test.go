package equitrial

import "testing"

func TestSMIFromICD10(t *testing.T) {
	for _, code := range []string{"F20", "F20.0", "f200", " F25.1 ", "F29", "F30", "F30.9", "F31", "F31.7", "F25X", "F2000"} {
		if !SMIFromICD10(code) {
			t.Errorf("SMIFromICD10(%q) = false; want true", code)
		}
	}
	for _, code := range []string{"", "F", "F2", "F19", "F19.9", "F32", "F33.1", "F39", "F10", "G20", "20", "F20-F29", "F2O", "FF20", "X31", "F3"} {
		if SMIFromICD10(code) {
			t.Errorf("SMIFromICD10(%q) = true; want false", code)
		}
	}
	if !AnySMI([]string{"E11", "F31.1"}) || AnySMI([]string{"E11", "F32"}) || AnySMI(nil) {
		t.Error("AnySMI")
	}
}
