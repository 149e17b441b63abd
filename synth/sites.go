// Package synth makes realistic synthetic data for demos and benchmark corpora:
// ClinicalTrials.gov-shaped trials at real-looking NHS sites across England's
// regions, with the kinds of eligibility criteria real protocols have. Everything
// is generated from a seed, so a corpus can be made again exactly.
package synth

// site is an NHS hospital with approximate coordinates, by region, so demo trials
// spread across England as real multi-site studies do.
type site struct {
	facility, city, postcode, region string
	lat, lon                         float64
}

var sites = []site{
	{"St Thomas' Hospital", "London", "SE1 7EH", "London", 51.4987, -0.1180},
	{"Royal London Hospital", "London", "E1 1FR", "London", 51.5185, -0.0590},
	{"King's College Hospital", "London", "SE5 9RS", "London", 51.4682, -0.0937},
	{"Northwick Park Hospital", "Harrow", "HA1 3UJ", "London", 51.5757, -0.3197},
	{"Queen Elizabeth Hospital Birmingham", "Birmingham", "B15 2GW", "West Midlands", 52.4531, -1.9384},
	{"Royal Stoke University Hospital", "Stoke-on-Trent", "ST4 6QG", "West Midlands", 53.0027, -2.2129},
	{"University Hospital Coventry", "Coventry", "CV2 2DX", "West Midlands", 52.4213, -1.4386},
	{"Manchester Royal Infirmary", "Manchester", "M13 9WL", "North West", 53.4627, -2.2265},
	{"Royal Liverpool University Hospital", "Liverpool", "L7 8YE", "North West", 53.4102, -2.9650},
	{"Royal Preston Hospital", "Preston", "PR2 9HT", "North West", 53.7915, -2.7040},
	{"Royal Blackburn Hospital", "Blackburn", "BB2 3HH", "North West", 53.7306, -2.4780},
	{"Leeds General Infirmary", "Leeds", "LS1 3EX", "Yorkshire and the Humber", 53.8021, -1.5519},
	{"Bradford Royal Infirmary", "Bradford", "BD9 6RJ", "Yorkshire and the Humber", 53.8040, -1.7940},
	{"Northern General Hospital", "Sheffield", "S5 7AU", "Yorkshire and the Humber", 53.4096, -1.4583},
	{"Hull Royal Infirmary", "Hull", "HU3 2JZ", "Yorkshire and the Humber", 53.7441, -0.3574},
	{"Royal Victoria Infirmary", "Newcastle upon Tyne", "NE1 4LP", "North East", 54.9799, -1.6200},
	{"Sunderland Royal Hospital", "Sunderland", "SR4 7TP", "North East", 54.9006, -1.4110},
	{"James Cook University Hospital", "Middlesbrough", "TS4 3BW", "North East", 54.5519, -1.2132},
	{"Queen's Medical Centre", "Nottingham", "NG7 2UH", "East Midlands", 52.9436, -1.1857},
	{"Leicester Royal Infirmary", "Leicester", "LE1 5WW", "East Midlands", 52.6270, -1.1360},
	{"Royal Derby Hospital", "Derby", "DE22 3NE", "East Midlands", 52.9112, -1.5185},
	{"Lincoln County Hospital", "Lincoln", "LN2 5QY", "East Midlands", 53.2339, -0.5237},
	{"Addenbrooke's Hospital", "Cambridge", "CB2 0QQ", "East of England", 52.1751, 0.1400},
	{"Norfolk and Norwich University Hospital", "Norwich", "NR4 7UY", "East of England", 52.6178, 1.2196},
	{"Luton and Dunstable University Hospital", "Luton", "LU4 0DZ", "East of England", 51.8920, -0.4740},
	{"Southend University Hospital", "Southend-on-Sea", "SS0 0RY", "East of England", 51.5530, 0.6860},
	{"John Radcliffe Hospital", "Oxford", "OX3 9DU", "South East", 51.7636, -1.2193},
	{"Royal Sussex County Hospital", "Brighton", "BN2 5BE", "South East", 50.8190, -0.1180},
	{"Southampton General Hospital", "Southampton", "SO16 6YD", "South East", 50.9330, -1.4340},
	{"Medway Maritime Hospital", "Gillingham", "ME7 5NY", "South East", 51.3830, 0.5440},
	{"Queen Alexandra Hospital", "Portsmouth", "PO6 3LY", "South East", 50.8500, -1.0700},
	{"Bristol Royal Infirmary", "Bristol", "BS2 8HW", "South West", 51.4584, -2.5966},
	{"Derriford Hospital", "Plymouth", "PL6 8DH", "South West", 50.4166, -4.1136},
	{"Royal Cornwall Hospital", "Truro", "TR1 3LJ", "South West", 50.2669, -5.0927},
	{"Royal Devon and Exeter Hospital", "Exeter", "EX2 5DW", "South West", 50.7170, -3.5060},
}
