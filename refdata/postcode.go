package refdata

import "unicode"

// UK postcode format, as set out in the Government Data Standards Catalogue (BS 7666)
// and the Royal Mail Programmers' Guide. A postcode is an outward code (area + district,
// 2 to 4 characters) and an inward code (sector digit + two unit letters):
//
//	A9 9AA   A99 9AA   A9A 9AA   AA9 9AA   AA99 9AA   AA9A 9AA
//
// The letters allowed in each position are restricted, which is what lets us reject
// junk such as "QQ1 1II" while accepting every postcode in the ONS Postcode Directory.
//
// Also accepted, because people in them can be NHS patients:
//   - GIR 0AA (Girobank, the one historic exception to the rules);
//   - the overseas territories that use a single UK-format postcode:
//     ASCN 1ZZ (Ascension), BBND 1ZZ (British Indian Ocean Territory), BIQQ 1ZZ
//     (British Antarctic Territory), FIQQ 1ZZ (Falklands), GX11 1AA (Gibraltar),
//     PCRN 1ZZ (Pitcairn), SIQQ 1ZZ (South Georgia), STHL 1ZZ (St Helena),
//     TDCU 1ZZ (Tristan da Cunha), TKCA 1ZZ (Turks and Caicos).
//
// Also accepted, because the ONS Postcode Directory still lists them (as terminated)
// and a person may give an old address: the retired central London districts W1M, W1N,
// W1R, W1V, W1X and W1Y (hence M, N, R, V, X, Y among the A9A letters, beyond the
// current Royal Mail list ABCDEFGHJKPSTUW), and the pre-1984 Newport outward code NPT
// ("NPT 4UY"). Both appear in the shared ONSPD sample.
//
// Not accepted: BFPO numbers ("BFPO 1234") and the Cayman/BVI/Anguilla/Montserrat
// codes, which are not in UK postcode format and not in the postcode directory.
const (
	firstLetters  = "ABCDEFGHIJKLMNOPRSTUWYZ" // not Q, V, X
	secondLetters = "ABCDEFGHKLMNOPQRSTUVWXY" // not I, J, Z
	thirdLetters  = "ABCDEFGHJKMNPRSTUVWXY"   // A9A outward codes, current and retired
	fourthLetters = "ABEHMNPRVWXY"            // AA9A outward codes
	unitLetters   = "ABDEFGHJLNPQRSTUWXYZ"    // inward code: not C, I, K, M, O, V
)

// specialPostcodes are whole postcodes (no space) accepted outside the general rules.
var specialPostcodes = [...]string{
	"GIR0AA",
	"ASCN1ZZ", "BBND1ZZ", "BIQQ1ZZ", "FIQQ1ZZ", "GX111AA",
	"PCRN1ZZ", "SIQQ1ZZ", "STHL1ZZ", "TDCU1ZZ", "TKCA1ZZ",
}

// compactPostcode is a postcode with its separators removed and letters upper-cased,
// held in a fixed array so that parsing never allocates.
type compactPostcode struct {
	b [7]byte
	n int // 5 to 7
}

func (c *compactPostcode) outward() []byte { return c.b[:c.n-3] }

// String gives the canonical form: outward code, one space, inward code.
func (c *compactPostcode) String() string {
	var out [8]byte
	o := c.n - 3
	copy(out[:], c.b[:o])
	out[o] = ' '
	copy(out[o+1:], c.b[o:c.n])
	return string(out[:c.n+1])
}

// canonical reports whether s is already exactly the canonical form of c, so callers
// can reuse s instead of allocating a new string.
func (c *compactPostcode) canonical(s string) bool {
	o := c.n - 3
	if len(s) != c.n+1 || s[o] != ' ' {
		return false
	}
	return s[:o] == string(c.b[:o]) && s[o+1:] == string(c.b[o:c.n])
}

// NormalisePostcode turns a postcode however a person typed it ("sw1a1aa",
// " SW1A  1AA ", "sw1a-1aa") into the canonical "SW1A 1AA". It reports false when the
// text is not a UK postcode in the format described at the top of this file. Spaces,
// hyphens, dots and commas are ignored wherever they appear; any other character
// makes the input invalid.
func NormalisePostcode(s string) (string, bool) {
	c, ok := parsePostcode(s)
	if !ok {
		return "", false
	}
	if c.canonical(s) {
		return s, true
	}
	return c.String(), true
}

// ValidPostcode reports whether s is a UK postcode, however spaced or cased.
func ValidPostcode(s string) bool {
	_, ok := parsePostcode(s)
	return ok
}

func parsePostcode(s string) (compactPostcode, bool) {
	var c compactPostcode
	if len(s) > 64 { // nobody types a postcode this long; don't scan junk
		return c, false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
			fallthrough
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			if c.n == len(c.b) {
				return c, false
			}
			c.b[c.n] = byte(r)
			c.n++
		case r == '-', r == '.', r == ',', r == '\u2010', r == '\u2011', r == '\u2013', r == '\u2014', unicode.IsSpace(r):
			// separators people type between or around the two halves
		default:
			return c, false
		}
	}
	if c.n < 5 {
		return c, false
	}
	if validCompact(&c) {
		return c, true
	}
	return c, false
}

func validCompact(c *compactPostcode) bool {
	if validGeneral(c) {
		return true
	}
	for _, sp := range specialPostcodes {
		if len(sp) == c.n && sp == string(c.b[:c.n]) {
			return true
		}
	}
	return false
}

func validGeneral(c *compactPostcode) bool {
	in := c.b[c.n-3 : c.n]
	if !isDigit(in[0]) || !unitSet.has(in[1]) || !unitSet.has(in[2]) {
		return false
	}
	out := c.outward()
	if string(out) == "NPT" {
		return true // inward code checked above
	}
	if !firstSet.has(out[0]) {
		return false
	}
	switch len(out) {
	case 2: // A9
		return isDigit(out[1])
	case 3: // A99, A9A, AA9
		switch {
		case isDigit(out[1]) && isDigit(out[2]):
			return true
		case isDigit(out[1]):
			return thirdSet.has(out[2])
		default:
			return secondSet.has(out[1]) && isDigit(out[2])
		}
	case 4: // AA99, AA9A
		if !secondSet.has(out[1]) || !isDigit(out[2]) {
			return false
		}
		return isDigit(out[3]) || fourthSet.has(out[3])
	}
	return false
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// letterSet is a set of upper-case ASCII letters as a bit mask, so each position check
// is one shift rather than a scan of the allowed letters.
type letterSet uint32

func newLetterSet(letters string) letterSet {
	var s letterSet
	for i := 0; i < len(letters); i++ {
		s |= 1 << (letters[i] - 'A')
	}
	return s
}

func (s letterSet) has(b byte) bool { return b >= 'A' && b <= 'Z' && s&(1<<(b-'A')) != 0 }

var (
	firstSet  = newLetterSet(firstLetters)
	secondSet = newLetterSet(secondLetters)
	thirdSet  = newLetterSet(thirdLetters)
	fourthSet = newLetterSet(fourthLetters)
	unitSet   = newLetterSet(unitLetters)
)

// Postcodes are packed into 42 bits of a uint64: seven 6-bit characters, the outward
// code left-aligned in four slots (padded with 0) and the inward code in the last three.
// Character values: 0 = padding, 1–10 = '0'–'9', 11–36 = 'A'–'Z'.
const (
	keyCharBits = 6
	keyChars    = 7
	// bucketBits is how many leading key bits (the first three outward characters)
	// index the bucket table that narrows each binary search.
	bucketBits  = 3 * keyCharBits
	bucketShift = (keyChars - 3) * keyCharBits
)

func keyChar(b byte) uint64 {
	if b <= '9' {
		return uint64(b-'0') + 1
	}
	return uint64(b-'A') + 11
}

func keyByte(v uint64) byte {
	if v <= 10 {
		return byte(v-1) + '0'
	}
	return byte(v-11) + 'A'
}

func (c *compactPostcode) key() uint64 {
	var k uint64
	o := c.n - 3
	for i := 0; i < 4; i++ {
		k <<= keyCharBits
		if i < o {
			k |= keyChar(c.b[i])
		}
	}
	for i := o; i < c.n; i++ {
		k = k<<keyCharBits | keyChar(c.b[i])
	}
	return k
}

// postcodeFromKey rebuilds the canonical postcode a key was made from.
func postcodeFromKey(k uint64) string {
	var c compactPostcode
	for i := 0; i < 4; i++ {
		v := (k >> ((keyChars - 1 - i) * keyCharBits)) & (1<<keyCharBits - 1)
		if v != 0 {
			c.b[c.n] = keyByte(v)
			c.n++
		}
	}
	for i := 4; i < keyChars; i++ {
		c.b[c.n] = keyByte((k >> ((keyChars - 1 - i) * keyCharBits)) & (1<<keyCharBits - 1))
		c.n++
	}
	return c.String()
}

// postcodeKey packs a postcode (any spelling NormalisePostcode accepts) into the
// integer key the directory is indexed by. It does not allocate.
func postcodeKey(s string) (uint64, bool) {
	c, ok := parsePostcode(s)
	if !ok {
		return 0, false
	}
	return c.key(), true
}
