// Package refdata holds the UK reference data equitrial derives patient strata from:
// the ONS Postcode Directory (postcode → LSOA, nation and location) and the indices of
// deprivation (LSOA → decile). Both load from the official CSV releases by header name
// and are kept in compact in-memory forms, so that all 2.6 million UK postcodes fit in
// well under 150 MB and a lookup is a couple of dozen memory reads with no allocation.
//
// The package is pure: files and bytes in, values out. Storing the binary forms (see
// Directory.WriteTo and IMDTable.WriteTo) is for the caller.
//
// Deciles are only comparable within one index edition and one nation: each nation's
// index ranks its own small areas against each other. Every decile therefore travels
// with its edition and nation.
package refdata
