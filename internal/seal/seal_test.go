package seal

import (
	"strings"
	"testing"
)

func keyring(t *testing.T, spec string) *Keyring {
	t.Helper()
	keys, current, err := ParseKeys(spec)
	if err != nil {
		t.Fatal(err)
	}
	k, err := NewKeyring(keys, current, []byte(strings.Repeat("L", 32)))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpenAndRotate(t *testing.T) {
	k1 := NewKeySpec("k1")
	old := keyring(t, k1)
	s, err := old.Seal("Ada Lovelace", "patient/p1/givenName")
	if err != nil || strings.Contains(s, "Ada") || KeyOf(s) != "k1" {
		t.Fatalf("Seal = %q, %v", s, err)
	}
	if got, err := old.Open(s, "patient/p1/givenName"); err != nil || got != "Ada Lovelace" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := old.Open(s, "patient/p2/givenName"); err == nil {
		t.Fatal("a value opened under another record's context")
	}
	if again, _ := old.Seal("Ada Lovelace", "patient/p1/givenName"); again == s {
		t.Fatal("sealing twice gave the same ciphertext: nonces are reused")
	}
	// Rotation: k2 becomes current; values sealed under k1 still open.
	rotated := keyring(t, NewKeySpec("k2")+","+k1)
	if got, err := rotated.Open(s, "patient/p1/givenName"); err != nil || got != "Ada Lovelace" {
		t.Fatalf("after rotation Open = %q, %v", got, err)
	}
	s2, _ := rotated.Seal("Ada Lovelace", "patient/p1/givenName")
	if KeyOf(s2) != "k2" {
		t.Fatalf("new values sealed with %q, want k2", KeyOf(s2))
	}
	if old.Lookup("nhsNumber", "9434765919") != rotated.Lookup("nhsNumber", "9434765919") {
		t.Fatal("lookup hashes changed with the encryption key")
	}
	if old.Lookup("nhsNumber", "9434765919") == old.Lookup("email", "9434765919") {
		t.Fatal("lookup hashes are not separated by purpose")
	}
	if _, err := old.Open(s2, "patient/p1/givenName"); err == nil {
		t.Fatal("a value opened without its key")
	}
	if v, err := old.Seal("", "x"); v != "" || err != nil {
		t.Fatalf("empty value sealed as %q", v)
	}
}

func TestFromEnvDevKeysPersist(t *testing.T) {
	dir := t.TempDir()
	none := func(string) string { return "" }
	a, dev, err := FromEnv(none, dir)
	if err != nil || !dev {
		t.Fatalf("dev keys: %v %v", dev, err)
	}
	s, _ := a.Seal("x", "c")
	b, _, err := FromEnv(none, dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b.Open(s, "c"); err != nil || got != "x" {
		t.Fatalf("dev keys did not persist: %q %v", got, err)
	}
	half := func(k string) string {
		if k == "EQUITRIAL_DATA_KEYS" {
			return NewKeySpec("p1")
		}
		return ""
	}
	if _, _, err := FromEnv(half, dir); err == nil {
		t.Fatal("a data key without a lookup key was accepted")
	}
}
