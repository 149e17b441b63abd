package synth

// regionOfArea maps a postcode area (the outward code's letters) to its English
// region, or to Wales, Scotland or Northern Ireland. Areas that straddle a boundary
// are put where most of their people live; it drives only the synthetic mix.
var regionOfArea = func() map[string]string {
	m := map[string]string{}
	for region, areas := range map[string][]string{
		"London":                   {"E", "EC", "N", "NW", "SE", "SW", "W", "WC", "BR", "CR", "EN", "HA", "IG", "RM", "SM", "TW", "UB"},
		"South East":               {"BN", "CT", "GU", "ME", "MK", "OX", "PO", "RG", "RH", "SL", "SO", "TN", "HP", "KT", "DA"},
		"East of England":          {"AL", "CB", "CM", "CO", "IP", "LU", "NR", "PE", "SG", "SS", "WD"},
		"South West":               {"BA", "BH", "BS", "DT", "EX", "GL", "PL", "SN", "SP", "TA", "TQ", "TR"},
		"West Midlands":            {"B", "CV", "DY", "HR", "ST", "TF", "WR", "WS", "WV"},
		"East Midlands":            {"DE", "LE", "LN", "NG", "NN"},
		"Yorkshire and the Humber": {"BD", "DN", "HD", "HG", "HU", "HX", "LS", "S", "WF", "YO"},
		"North West":               {"BB", "BL", "CA", "CH", "CW", "FY", "L", "LA", "M", "OL", "PR", "SK", "WA", "WN"},
		"North East":               {"DH", "DL", "NE", "SR", "TS"},
		"Wales":                    {"CF", "LD", "LL", "NP", "SA", "SY"},
		"Scotland":                 {"AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH", "TD", "ZE"},
		"Northern Ireland":         {"BT"},
	} {
		for _, a := range areas {
			m[a] = region
		}
	}
	return m
}()

// regionOf returns the region of a canonical postcode ("LS1 3EX" → Yorkshire and
// the Humber), or "" when the area is not listed.
func regionOf(postcode string) string {
	n := 0
	for n < len(postcode) && n < 2 && postcode[n] >= 'A' && postcode[n] <= 'Z' {
		n++
	}
	return regionOfArea[postcode[:n]]
}

// ethnicShares are the five-group shares (Asian, Black, Mixed, White, Other, in
// percent) of each region's population at the 2021 census, rounded.
var ethnicShares = map[string][5]float64{
	"London":                   {20.7, 13.5, 5.7, 53.8, 6.3},
	"West Midlands":            {12.9, 4.5, 3.0, 77.0, 2.6},
	"Yorkshire and the Humber": {9.0, 2.0, 2.4, 85.3, 1.3},
	"North West":               {8.5, 2.3, 2.2, 85.6, 1.4},
	"East Midlands":            {8.7, 2.1, 2.5, 85.7, 1.0},
	"East of England":          {6.3, 3.0, 2.9, 86.5, 1.3},
	"South East":               {7.0, 2.4, 2.8, 86.3, 1.5},
	"North East":               {3.7, 1.0, 1.3, 93.0, 1.0},
	"South West":               {2.3, 1.1, 2.2, 93.1, 1.3},
	"Wales":                    {2.9, 0.9, 1.6, 93.8, 0.8},
	"Scotland":                 {3.9, 1.2, 1.1, 92.9, 0.9},
	"Northern Ireland":         {1.1, 0.6, 0.8, 96.6, 0.9},
	"":                         {9.6, 4.2, 3.0, 81.0, 2.2}, // England and Wales
}
