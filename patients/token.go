package patients

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// AccessTokenPrefix starts every patient private-link token, so that authentication
// can tell one from a staff API token at a glance and secret scanners can find leaks.
const AccessTokenPrefix = "ptl_"

// NewAccessToken makes a patient's private-link token: the prefix and 32 random bytes
// in base64url. Only its hash is stored; the token is shown to the patient once.
func NewAccessToken() (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	token = AccessTokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashAccessToken(token)
}

// HashAccessToken is the stored form of a token: SHA-256 in hex. A fast hash is
// enough because the token has 256 bits of entropy; there is nothing to guess.
func HashAccessToken(token string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return hex.EncodeToString(sum[:])
}

// LooksLikeAccessToken reports whether s has the shape of a private-link token.
func LooksLikeAccessToken(s string) bool {
	rest, ok := strings.CutPrefix(s, AccessTokenPrefix)
	return ok && len(rest) == 43
}
