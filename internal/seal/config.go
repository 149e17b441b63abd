package seal

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// FromEnv builds the keyring from the environment:
//
//	EQUITRIAL_DATA_KEYS      "id1:base64key,id2:base64key" — every key that may have
//	                          sealed stored data; the first is current (new values)
//	EQUITRIAL_DATA_KEYS_FILE a file holding the same text (for secrets mounted as files)
//	EQUITRIAL_LOOKUP_KEY     base64 key (32+ bytes) for lookup hashes; never rotated
//
// With none of them set, devDir (the data directory) is used: keys are created there
// on first use in files readable only by this user, so `make run` works out of the
// box. dev reports that, so the service can warn that this is not for production.
func FromEnv(getenv func(string) string, devDir string) (k *Keyring, dev bool, err error) {
	spec := getenv("EQUITRIAL_DATA_KEYS")
	if f := getenv("EQUITRIAL_DATA_KEYS_FILE"); spec == "" && f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, false, fmt.Errorf("EQUITRIAL_DATA_KEYS_FILE: %w", err)
		}
		spec = strings.TrimSpace(string(b))
	}
	lookup := getenv("EQUITRIAL_LOOKUP_KEY")
	if spec == "" && lookup == "" {
		spec, lookup, err = devKeys(devDir)
		if err != nil {
			return nil, false, err
		}
		dev = true
	}
	if spec == "" || lookup == "" {
		return nil, false, errors.New("set both EQUITRIAL_DATA_KEYS (or EQUITRIAL_DATA_KEYS_FILE) and EQUITRIAL_LOOKUP_KEY, or neither for development keys")
	}
	keys, current, err := ParseKeys(spec)
	if err != nil {
		return nil, false, err
	}
	lk, err := base64.StdEncoding.DecodeString(lookup)
	if err != nil {
		return nil, false, errors.New("EQUITRIAL_LOOKUP_KEY is not base64")
	}
	k, err = NewKeyring(keys, current, lk)
	return k, dev, err
}

// ParseKeys reads "id1:base64key,id2:base64key"; the first key is current.
func ParseKeys(spec string) (map[string][]byte, string, error) {
	keys := map[string][]byte{}
	var current string
	for _, part := range strings.Split(spec, ",") {
		id, b64, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			return nil, "", errors.New("EQUITRIAL_DATA_KEYS must be id:base64key pairs separated by commas")
		}
		key, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, "", fmt.Errorf("EQUITRIAL_DATA_KEYS: key %q is not base64", id)
		}
		if current == "" {
			current = id
		}
		keys[id] = key
	}
	return keys, current, nil
}

// NewKeySpec makes a fresh key entry "id:base64key", for operators rotating keys.
func NewKeySpec(id string) string {
	key := make([]byte, 32)
	rand.Read(key)
	return id + ":" + base64.StdEncoding.EncodeToString(key)
}

func devKeys(dir string) (spec, lookup string, err error) {
	path := filepath.Join(dir, "dev-keys")
	if b, err := os.ReadFile(path); err == nil {
		s, l, ok := strings.Cut(strings.TrimSpace(string(b)), "\n")
		if ok {
			return s, l, nil
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", err
	}
	lk := make([]byte, 32)
	rand.Read(lk)
	spec, lookup = NewKeySpec("dev1"), base64.StdEncoding.EncodeToString(lk)
	if err := os.WriteFile(path, []byte(spec+"\n"+lookup+"\n"), 0o600); err != nil {
		return "", "", err
	}
	return spec, lookup, nil
}
