package ctgov

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"equitrial"
)

// Record is one study read from a source, or the reason it could not be read.
// Source and Position say where it came from, so a person can find a bad record.
type Record struct {
	Source   string // file name, or "request body"
	Position string // "record 3", "line 7", "studies[4]"; empty for a one-study file
	Trial    *equitrial.Trial
	Err      error
}

// Where says where the record came from, for messages.
func (r Record) Where() string {
	if r.Position == "" {
		return r.Source
	}
	return r.Source + ": " + r.Position
}

// ReadPaths reads every study in the given files and directories (directories are
// walked for .json, .ndjson and .jsonl files, in name order) and calls each for every
// record, good or bad. A file that cannot be read at all yields one bad Record; only
// an error returned by each stops the walk.
func ReadPaths(paths []string, each func(Record) error) error {
	for _, p := range paths {
		files, err := Expand(p)
		if err != nil {
			if err := each(Record{Source: p, Err: err}); err != nil {
				return err
			}
			continue
		}
		for _, f := range files {
			if err := readFile(f, each); err != nil {
				return err
			}
		}
	}
	return nil
}

// Expand lists the study files at p: p itself, or the files in the directory p.
func Expand(p string) ([]string, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("cannot read: %w", err)
	}
	if !info.IsDir() {
		return []string{p}, nil
	}
	var files []string
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".json", ".ndjson", ".jsonl":
			if !d.IsDir() {
				files = append(files, path)
			}
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

func readFile(name string, each func(Record) error) error {
	f, err := os.Open(name)
	if err != nil {
		return each(Record{Source: name, Err: fmt.Errorf("cannot read: %w", err)})
	}
	defer f.Close()
	return Read(name, f, each)
}

// Read reads the studies in one stream: a single study object, a JSON array of
// studies, an API v2 page ({"studies":[…],"nextPageToken":…}) or NDJSON (one study
// per line). The form is found from the content, not the name.
func Read(source string, r io.Reader, each func(Record) error) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return each(Record{Source: source, Err: fmt.Errorf("cannot read: %w", err)})
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return each(Record{Source: source, Err: equitrial.Errorf(equitrial.KindInvalid, "empty file: no studies")})
	case trimmed[0] == '[':
		return readArray(source, "record %d", trimmed, each)
	case trimmed[0] == '{' && json.Valid(trimmed):
		var page struct {
			Studies json.RawMessage `json:"studies"`
		}
		if err := json.Unmarshal(trimmed, &page); err == nil && len(page.Studies) > 0 && page.Studies[0] == '[' {
			return readArray(source, "studies[%d]", page.Studies, each)
		}
		return emit(source, "", trimmed, each)
	case trimmed[0] == '{' && looksLikeNDJSON(trimmed):
		return readLines(source, data, each)
	}
	var v any
	if err := json.Unmarshal(trimmed, &v); err != nil {
		return each(Record{Source: source, Err: equitrial.Errorf(equitrial.KindInvalid, "%s", describeJSONError(err))})
	}
	return each(Record{Source: source, Err: equitrial.Errorf(equitrial.KindInvalid,
		"the file holds a single JSON value that is not a study: want a study object, an array of studies, an API page or NDJSON")})
}

func emit(source, position string, raw []byte, each func(Record) error) error {
	t, err := Decode(raw)
	return each(Record{Source: source, Position: position, Trial: t, Err: err})
}

// readArray decodes the elements of a JSON array one by one, so that one element of
// the wrong shape is rejected on its own. Broken JSON syntax stops the array there.
func readArray(source, posFormat string, data []byte, each func(Record) error) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil {
		return each(Record{Source: source, Err: equitrial.Errorf(equitrial.KindInvalid, "%s", describeJSONError(err))})
	}
	for i := 1; dec.More(); i++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return each(Record{Source: source, Position: fmt.Sprintf(posFormat, i),
				Err: equitrial.Errorf(equitrial.KindInvalid, "%s; the rest of this file was not read", describeJSONError(err))})
		}
		if err := emit(source, fmt.Sprintf(posFormat, i), raw, each); err != nil {
			return err
		}
	}
	return nil
}

// looksLikeNDJSON: the first line is a whole JSON value by itself. A pretty-printed
// study spans lines, so its first line ("{") is not.
func looksLikeNDJSON(data []byte) bool {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	return json.Valid(bytes.TrimSpace(line))
}

func readLines(source string, data []byte, each func(Record) error) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if err := emit(source, fmt.Sprintf("line %d", n), line, each); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return each(Record{Source: source, Err: fmt.Errorf("cannot read: %w", err)})
	}
	return nil
}
