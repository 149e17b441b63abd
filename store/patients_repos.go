package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// openPatients creates the patient and reference-data repositories and returns
// their index builders.
func (d *DB) openPatients() []func(context.Context) error {
	d.Patients = newPatients(d.db.Collection("patients"))
	d.Patients.claims = d.db.Collection("patient_nhs_claims")
	d.RefData = &RefData{chunks: d.db.Collection("refdata_chunks"), manifest: d.db.Collection("refdata")}
	return []func(context.Context) error{d.Patients.ensureIndexes, d.RefData.ensureIndexes}
}

// Collection returns a collection of the database as the driver sees it. It is for
// tests and maintenance tools that must look at documents exactly as stored (for
// example, to check that no identifier is stored in plain text); the service itself
// goes through the repositories.
func (d *DB) Collection(name string) *mongo.Collection { return d.db.Collection(name) }
