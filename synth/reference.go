package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"equitrial/refdata"
)

// ReferenceEdition names the deprivation index of the synthetic reference data.
const ReferenceEdition = "IMD (synthetic)"

// ReferenceData makes a synthetic postcode directory and deprivation index for
// benchmarks that must run without the national files: postcodesPerSite postcodes
// in the postcode area of each UK site of the benchmark corpus (Study), within
// about 15 km of it, 40 to a small area (as real LSOAs hold about that many), each
// small area with a decile skewed by its town's deprivation (Blackburn's are mostly
// deprived, Guildford's mostly not) and coded for its nation (E01…, W01…, S01…,
// N20…). Patients placed by it (PatientOptions.Reference) have an IMD quintile and a
// location near where trials recruit. The same seed gives the same data.
func ReferenceData(seed uint64, postcodesPerSite int) (*refdata.Directory, *refdata.IMDTable, error) {
	r := rand.New(rand.NewPCG(seed, 0x7ef0da7a))
	b := refdata.NewDirectoryBuilder(len(ukSites) * postcodesPerSite)
	var imd strings.Builder
	imd.WriteString("lsoa_code,IMD_decile\n")
	seen := map[string]bool{}
	areas := map[string]int{} // per nation prefix, the next small area number
	const perArea = 40
	for _, s := range ukSites {
		area := postcodeArea(s.postcode)
		prefix := map[string]string{"Wales": "W01", "Scotland": "S01", "Northern Ireland": "N20"}[s.region]
		if prefix == "" {
			prefix = "E01"
		}
		var lsoa string
		for k := 0; k < postcodesPerSite; {
			if k%perArea == 0 {
				areas[prefix]++
				lsoa = fmt.Sprintf("%s%06d", prefix, areas[prefix])
				decile := int(math.Round(5.5 - 1.6*siteDeprivation[s.city] + 2.6*r.NormFloat64()))
				fmt.Fprintf(&imd, "%s,%d\n", lsoa, max(1, min(10, decile)))
			}
			pc := fmt.Sprintf("%s%d %d%c%c", area, 1+r.IntN(29), r.IntN(10), unitLetter(r), unitLetter(r))
			if seen[pc] {
				continue
			}
			// Within about 15 km: a degree of latitude is 111 km.
			dist, bearing := 15*math.Sqrt(r.Float64()), 2*math.Pi*r.Float64()
			loc := refdata.Point{Lat: s.lat + dist*math.Cos(bearing)/111,
				Lon: s.lon + dist*math.Sin(bearing)/(111*math.Cos(s.lat*math.Pi/180))}
			if err := b.Add(pc, lsoa, refdata.NationUnknown, &loc); err != nil {
				return nil, nil, fmt.Errorf("synthetic postcode %s: %w", pc, err)
			}
			seen[pc] = true
			k++
		}
	}
	dir, _ := b.Build()
	table, _, err := refdata.LoadIMD(strings.NewReader(imd.String()), ReferenceEdition, refdata.IMDOptions{})
	if err != nil {
		return nil, nil, err
	}
	return dir, table, nil
}

// NewReference joins ReferenceData's directory and index.
func NewReference(seed uint64, postcodesPerSite int) (*refdata.Reference, error) {
	dir, imd, err := ReferenceData(seed, postcodesPerSite)
	if err != nil {
		return nil, err
	}
	return refdata.NewReference(dir, imd)
}

// postcodeArea is the letters that start a postcode ("SE1 7EH" → "SE").
func postcodeArea(pc string) string {
	n := 0
	for n < len(pc) && pc[n] >= 'A' && pc[n] <= 'Z' {
		n++
	}
	return pc[:n]
}

// unitLetters are the letters the last two characters of a postcode may be.
const unitLetters = "ABDEFGHJLNPQRSTUWXYZ"

func unitLetter(r *rand.Rand) byte { return unitLetters[r.IntN(len(unitLetters))] }
