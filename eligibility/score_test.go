package eligibility

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"equitrial"
)

// The quality bar of the eligibility issue, as measured by shared/eligibility/score.py
// with conditions compared by ICD-10 block (--level block), on the labelled set.
var qualityBar = map[string]float64{
	"age_acc":     0.95,
	"labs_f1":     0.90,
	"required_f1": 0.85,
	"excluded_f1": 0.80,
	"flags_f1":    0.90,
}

// checkSetBar is the bar on each check set (testdata/checkset*, labelled from
// the study text alone and never tuned on before being measured). The issue's
// targets are labs 0.92, required 0.85 and excluded 0.80 on studies the parser
// was not tuned on. Where a set does not reach a target, its bar is a floor
// against regression just under the figure measured, not a target met: on the
// first set, required reached 0.737 untouched (0.941 once its errors were read,
// which makes it a development set); on checkset2, measured once untouched on
// 2026-12-02, labs 0.859, required 0.750, excluded 0.762. Raising a bar means
// improving the parser for general reasons, never by reading checkset2's labels.
var checkSetBar = map[string]map[string]float64{
	"checkset": {
		"labs_f1":     0.92,
		"required_f1": 0.70,
		"excluded_f1": 0.80,
	},
	"checkset2": {
		"labs_f1":     0.84,
		"required_f1": 0.70,
		"excluded_f1": 0.74,
	},
}

func TestScoreGate(t *testing.T) {
	dir := sharedDir(t)
	gateFigures(t, scoreFacts(t, loadStudies(t, true), filepath.Join(dir, "eligibility", "gold")), qualityBar)
}

// TestCheckSet scores the parser on each check set. It is a measurement, not a
// target to tune towards: change the parser for general reasons, then look.
// testdata/checkset was untouched until the parser work after it was labelled
// (since then its errors have been read while improving the parser, so it is a
// development set); testdata/checkset2 has never been read against parser
// output and is the one whose figures say whether changes generalise.
func TestCheckSet(t *testing.T) {
	for _, set := range []string{"checkset", "checkset2"} {
		t.Run(set, func(t *testing.T) {
			dir := sharedDir(t)
			gold := checkSetGold(t, set)
			labels, _ := filepath.Glob(filepath.Join(gold, "NCT*.json"))
			var studies []*equitrial.Trial
			for _, l := range labels {
				raw, err := os.ReadFile(filepath.Join(dir, "ctgov", filepath.Base(l)))
				if err != nil {
					t.Skipf("study of %s not in shared/ctgov: %v", l, err)
				}
				tr, err := decodeStudy(raw)
				if err != nil {
					t.Fatal(err)
				}
				studies = append(studies, tr)
			}
			if len(studies) == 0 {
				t.Skip("no check set")
			}
			gateFigures(t, scoreFacts(t, studies, gold), checkSetBar[set])
		})
	}
}

// checkSetGold writes a check set's labels (one JSON object a line in
// testdata/SET/labels.ndjson, our own work) as the one-file-per-study folder
// score.py reads, in a temporary directory.
func checkSetGold(t *testing.T, set string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", set, "labels.ndjson"))
	if err != nil {
		t.Skipf("no check set %s: %v", set, err)
	}
	gold := t.TempDir()
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var l struct {
			NCTID string `json:"nctId"`
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil || l.NCTID == "" {
			t.Fatalf("check set label %q: %v", line, err)
		}
		if err := os.WriteFile(filepath.Join(gold, l.NCTID+".json"), []byte(line), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return gold
}

// scoreFacts runs score.py on the parser's facts for studies against goldDir.
func scoreFacts(t *testing.T, studies []*equitrial.Trial, goldDir string) map[string]float64 {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	var in bytes.Buffer
	for _, tr := range studies {
		j, err := json.Marshal(Facts(tr))
		if err != nil {
			t.Fatal(err)
		}
		in.Write(j)
		in.WriteByte('\n')
	}
	if dump := os.Getenv("EQUITRIAL_SCORE_DUMP"); dump != "" {
		_ = os.WriteFile(dump, in.Bytes(), 0o644) // the facts scored, to compare by hand
	}
	args := []string{filepath.Join(sharedDir(t), "eligibility", "score.py"),
		"--gold", goldDir, "--pred", "-", "--level", "block", "--json"}
	if os.Getenv("EQUITRIAL_SCORE_VERBOSE") != "" {
		args = append(args, "--verbose") // each study's misses, for reading the errors of a development set
	}
	cmd := exec.Command(py, args...)
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
	return figures
}

func gateFigures(t *testing.T, figures, bar map[string]float64) {
	t.Helper()
	for k, min := range bar {
		got, ok := figures[k]
		if !ok {
			t.Errorf("score.py reported no %s", k)
			continue
		}
		if got < min {
			t.Errorf("%s = %.3f, below the bar %.2f", k, got, min)
		}
	}
}
