package eligibility

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The quality bar of the eligibility issue, as measured by shared/eligibility/score.py
// with conditions compared by ICD-10 block (--level block).
var qualityBar = map[string]float64{
	"age_acc":     0.95,
	"labs_f1":     0.90,
	"required_f1": 0.85,
	"excluded_f1": 0.80,
	"flags_f1":    0.90,
}

func TestScoreGate(t *testing.T) {
	dir := sharedDir(t)
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	var in bytes.Buffer
	for _, tr := range loadStudies(t, true) {
		j, err := json.Marshal(Facts(tr))
		if err != nil {
			t.Fatal(err)
		}
		in.Write(j)
		in.WriteByte('\n')
	}
	cmd := exec.Command(py, filepath.Join(dir, "eligibility", "score.py"),
		"--gold", filepath.Join(dir, "eligibility", "gold"), "--pred", "-", "--level", "block", "--json")
	cmd.Stdin = &in
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("score.py: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var figures map[string]float64
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &figures); err != nil {
		t.Fatalf("score.py output has no JSON figures: %v\n%s", err, out)
	}
	t.Logf("\n%s", strings.Join(lines[:len(lines)-1], "\n"))
	for k, bar := range qualityBar {
		got, ok := figures[k]
		if !ok {
			t.Errorf("score.py reported no %s", k)
			continue
		}
		if got < bar {
			t.Errorf("%s = %.3f, below the bar %.2f", k, got, bar)
		}
	}
}
