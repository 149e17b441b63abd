package matcher

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/blevesearch/bleve/v2"

	"equitrial"
)

var versionKey = []byte("equitrial.mappingVersion")

// Index is the bleve index of trials. The store is the source of truth: the index
// can always be rebuilt from it, and is whenever it is missing, unreadable or built
// by another MappingVersion.
type Index struct {
	idx bleve.Index
}

// OpenIndex opens the index in dir, or creates an empty one there. needsRebuild is
// true when the index was created (or recreated) and must be filled from the store.
func OpenIndex(dir string) (ix *Index, needsRebuild bool, err error) {
	path := filepath.Join(dir, "trials.bleve")
	idx, err := bleve.Open(path)
	if err == nil {
		v, verr := idx.GetInternal(versionKey)
		if verr == nil && string(v) == MappingVersion {
			return &Index{idx: idx}, false, nil
		}
		idx.Close()
	}
	// Missing, unreadable (say, interrupted while being created) or built by another
	// mapping: start again, empty.
	if err := os.RemoveAll(path); err != nil {
		return nil, false, fmt.Errorf("index: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, fmt.Errorf("index: %w", err)
	}
	idx, err = bleve.New(path, indexMapping())
	if err != nil {
		return nil, false, fmt.Errorf("index: %w", err)
	}
	if err := idx.SetInternal(versionKey, []byte(MappingVersion)); err != nil {
		idx.Close()
		return nil, false, fmt.Errorf("index: %w", err)
	}
	return &Index{idx: idx}, true, nil
}

// OpenMemIndex makes an empty in-memory index, for benchmarks and tools.
func OpenMemIndex() (*Index, error) {
	idx, err := bleve.NewMemOnly(indexMapping())
	if err != nil {
		return nil, err
	}
	return &Index{idx: idx}, nil
}

// Put adds or replaces trials in one batch.
func (ix *Index) Put(trials ...*equitrial.Trial) error {
	b := ix.idx.NewBatch()
	for _, t := range trials {
		if err := b.Index(t.NCTID, newIndexDoc(t)); err != nil {
			return fmt.Errorf("index %s: %w", t.NCTID, err)
		}
	}
	return ix.idx.Batch(b)
}

// Delete removes trials by id.
func (ix *Index) Delete(ids ...string) error {
	b := ix.idx.NewBatch()
	for _, id := range ids {
		b.Delete(id)
	}
	return ix.idx.Batch(b)
}

// Count is the number of trials indexed.
func (ix *Index) Count() (uint64, error) { return ix.idx.DocCount() }

// Close flushes and closes the index.
func (ix *Index) Close() error { return ix.idx.Close() }
