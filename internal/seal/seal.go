// Package seal encrypts direct identifiers (names, NHS numbers, contact details,
// dates of birth) before they are stored, and makes keyed lookup hashes so a record
// can be found by NHS number without storing the number in the clear.
//
// Values are sealed with AES-256-GCM under the current key of a Keyring and carry
// that key's id, so old values stay readable after a rotation and can be re-sealed
// under the new key at leisure. Lookup hashes use a separate HMAC key that does not
// rotate with the encryption keys, so lookups keep working across rotations.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Keyring holds the encryption keys by id, the id of the one used for new values,
// and the lookup key.
type Keyring struct {
	current string
	aeads   map[string]cipher.AEAD
	lookup  []byte
}

// prefix marks a sealed value: "s1:<key id>:<base64 nonce|ciphertext>".
const prefix = "s1:"

// NewKeyring builds a keyring. keys maps key ids (short, no colons) to 32-byte keys;
// current names the key for new values; lookupKey (at least 32 bytes) keys the
// lookup hashes.
func NewKeyring(keys map[string][]byte, current string, lookupKey []byte) (*Keyring, error) {
	if _, ok := keys[current]; !ok {
		return nil, fmt.Errorf("seal: the current key %q is not in the keyring", current)
	}
	if len(lookupKey) < 32 {
		return nil, errors.New("seal: the lookup key must be at least 32 bytes")
	}
	k := &Keyring{current: current, aeads: map[string]cipher.AEAD{}, lookup: append([]byte(nil), lookupKey...)}
	for id, key := range keys {
		if id == "" || strings.ContainsRune(id, ':') {
			return nil, fmt.Errorf("seal: key id %q must be non-empty and contain no colon", id)
		}
		if len(key) != 32 {
			return nil, fmt.Errorf("seal: key %q is %d bytes; AES-256 needs 32", id, len(key))
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		k.aeads[id] = aead
	}
	return k, nil
}

// Current is the id of the key new values are sealed with.
func (k *Keyring) Current() string { return k.current }

// Seal encrypts plaintext under the current key. The empty string stays empty, so
// "not given" is still visible without decrypting. context binds the value to where
// it belongs (for example the record id and field name): a sealed value copied into
// another record or field will not open there.
func (k *Keyring) Seal(plaintext, context string) (string, error) {
	if plaintext == "" {
		return "", nil
	}
	aead := k.aeads[k.current]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := aead.Seal(nonce, nonce, []byte(plaintext), []byte(context))
	return prefix + k.current + ":" + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts a value made by Seal with the same context.
func (k *Keyring) Open(sealed, context string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	rest, ok := strings.CutPrefix(sealed, prefix)
	id, data, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 {
		return "", errors.New("seal: not a sealed value")
	}
	aead, ok := k.aeads[id]
	if !ok {
		return "", fmt.Errorf("seal: key %q is not in the keyring", id)
	}
	raw, err := base64.RawStdEncoding.DecodeString(data)
	if err != nil || len(raw) < aead.NonceSize() {
		return "", errors.New("seal: damaged sealed value")
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(context))
	if err != nil {
		return "", errors.New("seal: the value does not open with its key and context")
	}
	return string(plain), nil
}

// KeyOf returns the id of the key a sealed value was made with ("" if not sealed).
func KeyOf(sealed string) string {
	rest, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, ":")
	return id
}

// Lookup returns a keyed hash of value for finding records by it (an equality
// index), domain-separated by purpose so that hashes for different fields differ.
func (k *Keyring) Lookup(purpose, value string) string {
	m := hmac.New(sha256.New, k.lookup)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
