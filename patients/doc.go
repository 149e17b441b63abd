// Package patients holds the rules for patient profiles that do not depend on where
// they are stored or how they arrive: normalising what people type, validating a
// profile field by field, deriving the equity strata from it, and the private-link
// tokens patients use to reach their own record.
//
// It is pure: no HTTP, no database. The store calls Prepare and DeriveStrata on every
// write, so a record can never be saved without passing the same checks the API makes.
package patients
