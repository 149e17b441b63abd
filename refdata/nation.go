package refdata

import (
	"fmt"
	"strings"
)

// Nation is the UK nation (or Crown dependency) a postcode or small area is in. It
// travels with every decile because each nation's deprivation index ranks only its
// own areas: an English decile 1 and a Welsh decile 1 are not the same thing.
type Nation uint8

const (
	NationUnknown Nation = iota
	England
	Wales
	Scotland
	NorthernIreland
	ChannelIslands // in ONSPD, but outside the UK indices of deprivation
	IsleOfMan      // likewise
	nationCount
)

var nationNames = [nationCount]string{"", "England", "Wales", "Scotland", "Northern Ireland", "Channel Islands", "Isle of Man"}

func (n Nation) String() string {
	if n < nationCount {
		return nationNames[n]
	}
	return fmt.Sprintf("Nation(%d)", uint8(n))
}

// MarshalText writes the nation's name, so JSON carries "Wales", not 2.
func (n Nation) MarshalText() ([]byte, error) {
	if n >= nationCount {
		return nil, fmt.Errorf("refdata: unknown nation %d", uint8(n))
	}
	return []byte(nationNames[n]), nil
}

// UnmarshalText accepts a nation's name in any case.
func (n *Nation) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	for i, name := range nationNames {
		if strings.EqualFold(s, name) {
			*n = Nation(i)
			return nil
		}
	}
	return fmt.Errorf("refdata: unknown nation %q", s)
}

// NationOfArea derives the nation from a GSS statistical area code (LSOA, data zone,
// country) or a Northern Ireland super output area code: E… England, W… Wales,
// S… Scotland, N… or 95… Northern Ireland, L… Channel Islands, M… Isle of Man.
func NationOfArea(code string) Nation {
	if len(code) < 2 {
		return NationUnknown
	}
	switch code[0] {
	case 'E', 'e':
		return England
	case 'W', 'w':
		return Wales
	case 'S', 's':
		return Scotland
	case 'N', 'n':
		return NorthernIreland
	case 'L', 'l':
		return ChannelIslands
	case 'M', 'm':
		return IsleOfMan
	case '9':
		if code[1] == '5' { // NISRA super output areas, e.g. 95AA01S1
			return NorthernIreland
		}
	}
	return NationUnknown
}

// nationOfPostcodeArea is the fallback when a row names neither a country nor an
// area: the postcode areas that lie wholly in one nation outside England.
func nationOfPostcodeArea(c *compactPostcode) Nation {
	out := c.outward()
	area := out[:1]
	if len(out) > 1 && !isDigit(out[1]) {
		area = out[:2]
	}
	switch string(area) {
	case "BT":
		return NorthernIreland
	case "GY", "JE":
		return ChannelIslands
	case "IM":
		return IsleOfMan
	}
	return NationUnknown
}
