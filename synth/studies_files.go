package synth

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
)

// WriteStudies writes the first n studies of the corpus for seed (Study) into dir
// as NDJSON files of perFile studies each (studies-0000000.ndjson, …), the form
// `equitrial import ctgov DIR` reads, one record in memory at a time. It returns
// the bytes written.
func WriteStudies(dir string, n int, seed uint64, perFile int) (int64, error) {
	if perFile < 1 {
		return 0, fmt.Errorf("synth: %d studies per file", perFile)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	var total int64
	for first := 0; first < n; first += perFile {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("studies-%07d.ndjson", first)))
		if err != nil {
			return total, err
		}
		w := bufio.NewWriterSize(f, 1<<20)
		for i := first; i < min(first+perFile, n); i++ {
			raw := Study(i, seed)
			total += int64(len(raw)) + 1
			w.Write(raw)
			w.WriteByte('\n')
		}
		if err := w.Flush(); err != nil {
			f.Close()
			return total, err
		}
		if err := f.Close(); err != nil {
			return total, err
		}
	}
	return total, nil
}
