package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"equitrial/refdata"
)

// refChunkSize keeps each stored piece of a reference blob well under MongoDB's
// 16 MB document limit: the full postcode directory is about 21 MB.
const refChunkSize = 8 << 20

// RefData keeps the loaded reference data (postcode directory and deprivation index)
// as binary blobs split into chunks, with one manifest document naming the current
// generation. A load writes a new generation's chunks first and switches the
// manifest last, so readers see the old data or the new, never a mixture, without
// transactions; the old generation's chunks are removed afterwards.
type RefData struct {
	chunks   *mongo.Collection
	manifest *mongo.Collection
}

// RefManifest describes the reference data in the store.
type RefManifest struct {
	ID         string                       `json:"-" bson:"_id"`
	Generation string                       `json:"generation" bson:"generation"`
	Edition    string                       `json:"edition" bson:"edition"`                         // the IMD edition, e.g. IMD2019
	Directory  string                       `json:"directory,omitempty" bson:"directory,omitempty"` // the postcode directory's label
	LoadedAt   time.Time                    `json:"loadedAt" bson:"loadedAt"`
	Counts     map[string]int               `json:"counts" bson:"counts"`   // postcodes, areas, imdAreas, matchedAreas
	Columns    map[string]map[string]string `json:"columns" bson:"columns"` // per file: field → header read
	Blobs      map[string]RefBlob           `json:"blobs" bson:"blobs"`
}

// RefBlob locates one stored blob.
type RefBlob struct {
	Chunks int    `json:"chunks" bson:"chunks"`
	Size   int    `json:"size" bson:"size"`
	SHA256 string `json:"sha256" bson:"sha256"`
}

type refChunk struct {
	ID         string `bson:"_id"`
	Generation string `bson:"generation"`
	Blob       string `bson:"blob"`
	N          int    `bson:"n"`
	Data       []byte `bson:"data"`
}

const (
	blobDirectory = "directory"
	blobIMD       = "imd"
	manifestID    = "current"
)

func (r *RefData) ensureIndexes(ctx context.Context) error {
	return ensureIndexes(ctx, r.chunks, mongo.IndexModel{Keys: bson.D{{Key: "generation", Value: 1}, {Key: "blob", Value: 1}, {Key: "n", Value: 1}}})
}

// Save stores a directory and/or an index (either may be nil) as the current
// reference data, filling in the manifest's generation, blobs and load time.
func (r *RefData) Save(ctx context.Context, dir *refdata.Directory, imd *refdata.IMDTable, m RefManifest) (*RefManifest, error) {
	gen := make([]byte, 8)
	rand.Read(gen)
	m.ID, m.Generation, m.LoadedAt = manifestID, hex.EncodeToString(gen), time.Now().UTC().Truncate(time.Millisecond)
	m.Blobs = map[string]RefBlob{}
	for name, v := range map[string]interface{ MarshalBinary() ([]byte, error) }{blobDirectory: dir, blobIMD: imd} {
		if (name == blobDirectory && dir == nil) || (name == blobIMD && imd == nil) {
			continue
		}
		data, err := v.MarshalBinary()
		if err != nil {
			return nil, err
		}
		b, err := r.writeBlob(ctx, m.Generation, name, data)
		if err != nil {
			r.chunks.DeleteMany(ctx, bson.M{"generation": m.Generation})
			return nil, err
		}
		m.Blobs[name] = b
	}
	if _, err := r.manifest.ReplaceOne(ctx, bson.M{"_id": manifestID}, m, options.Replace().SetUpsert(true)); err != nil {
		r.chunks.DeleteMany(ctx, bson.M{"generation": m.Generation})
		return nil, fmt.Errorf("store: save reference manifest: %w", err)
	}
	if _, err := r.chunks.DeleteMany(ctx, bson.M{"generation": bson.M{"$ne": m.Generation}}); err != nil {
		return nil, fmt.Errorf("store: remove old reference data: %w", err)
	}
	return &m, nil
}

func (r *RefData) writeBlob(ctx context.Context, gen, name string, data []byte) (RefBlob, error) {
	sum := sha256.Sum256(data)
	b := RefBlob{Size: len(data), SHA256: hex.EncodeToString(sum[:])}
	for off := 0; off < len(data) || off == 0; off += refChunkSize {
		end := min(off+refChunkSize, len(data))
		c := refChunk{ID: fmt.Sprintf("%s/%s/%d", gen, name, b.Chunks), Generation: gen, Blob: name, N: b.Chunks, Data: data[off:end]}
		if _, err := r.chunks.InsertOne(ctx, c); err != nil {
			return b, fmt.Errorf("store: save reference %s chunk %d: %w", name, b.Chunks, err)
		}
		b.Chunks++
		if end == len(data) {
			break
		}
	}
	return b, nil
}

// Manifest returns the current manifest, or nil when no reference data is stored.
func (r *RefData) Manifest(ctx context.Context) (*RefManifest, error) {
	var m RefManifest
	err := r.manifest.FindOne(ctx, bson.M{"_id": manifestID}).Decode(&m)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// Load reads the current reference data back. Either table is nil when the current
// generation has none; all three are nil when nothing was ever loaded. A blob whose
// chunks are missing or whose checksum does not match is an error: rebuild it with
// `equitrial refdata load`.
func (r *RefData) Load(ctx context.Context) (*refdata.Directory, *refdata.IMDTable, *RefManifest, error) {
	m, err := r.Manifest(ctx)
	if err != nil || m == nil {
		return nil, nil, nil, err
	}
	var dir *refdata.Directory
	var imd *refdata.IMDTable
	if b, ok := m.Blobs[blobDirectory]; ok {
		data, err := r.readBlob(ctx, m.Generation, blobDirectory, b)
		if err != nil {
			return nil, nil, nil, err
		}
		dir = new(refdata.Directory)
		if err := dir.UnmarshalBinary(data); err != nil {
			return nil, nil, nil, err
		}
	}
	if b, ok := m.Blobs[blobIMD]; ok {
		data, err := r.readBlob(ctx, m.Generation, blobIMD, b)
		if err != nil {
			return nil, nil, nil, err
		}
		imd = new(refdata.IMDTable)
		if err := imd.UnmarshalBinary(data); err != nil {
			return nil, nil, nil, err
		}
	}
	return dir, imd, m, nil
}

func (r *RefData) readBlob(ctx context.Context, gen, name string, b RefBlob) ([]byte, error) {
	cur, err := r.chunks.Find(ctx, bson.M{"generation": gen, "blob": name}, options.Find().SetSort(bson.D{{Key: "n", Value: 1}}))
	if err != nil {
		return nil, err
	}
	defer cur.Close(ctx)
	var buf bytes.Buffer
	buf.Grow(b.Size)
	n := 0
	for cur.Next(ctx) {
		var c refChunk
		if err := cur.Decode(&c); err != nil {
			return nil, err
		}
		if c.N != n {
			return nil, fmt.Errorf("store: reference %s: chunk %d missing", name, n)
		}
		buf.Write(c.Data)
		n++
	}
	if err := cur.Err(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(buf.Bytes())
	if n != b.Chunks || buf.Len() != b.Size || hex.EncodeToString(sum[:]) != b.SHA256 {
		return nil, fmt.Errorf("store: reference %s is incomplete or damaged (%d of %d chunks, %d of %d bytes); load it again", name, n, b.Chunks, buf.Len(), b.Size)
	}
	return buf.Bytes(), nil
}
