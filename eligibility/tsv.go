package eligibility

import (
	"bufio"
	"strings"
)

// eachTSVRow calls fn with the tab-separated fields of every row of an embedded
// vocabulary file that has at least minFields fields, skipping blank lines and
// # comments. The vocabulary files (conditions, analytes, senses, the
// hierarchy) share this one shape.
func eachTSVRow(data string, minFields int, fn func(f []string)) {
	sc := bufio.NewScanner(strings.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if f := strings.Split(line, "\t"); len(f) >= minFields {
			fn(f)
		}
	}
}
