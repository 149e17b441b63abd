// Package ctgov reads ClinicalTrials.gov API v2 study records and normalises them
// into equitrial.Trial values. It knows the registry's format and nothing else.
package ctgov

// study mirrors the parts of an API v2 study record that equitrial reads. Decoding
// into typed fields is also how a record with wrong types is found and rejected.
type study struct {
	ProtocolSection struct {
		IdentificationModule struct {
			NCTID         string `json:"nctId"`
			BriefTitle    string `json:"briefTitle"`
			OfficialTitle string `json:"officialTitle"`
			Acronym       string `json:"acronym"`
		} `json:"identificationModule"`
		StatusModule struct {
			OverallStatus            string     `json:"overallStatus"`
			StartDateStruct          dateStruct `json:"startDateStruct"`
			CompletionDateStruct     dateStruct `json:"completionDateStruct"`
			LastUpdatePostDateStruct dateStruct `json:"lastUpdatePostDateStruct"`
			LastUpdateSubmitDate     string     `json:"lastUpdateSubmitDate"`
		} `json:"statusModule"`
		SponsorCollaboratorsModule struct {
			LeadSponsor struct {
				Name  string `json:"name"`
				Class string `json:"class"`
			} `json:"leadSponsor"`
		} `json:"sponsorCollaboratorsModule"`
		DescriptionModule struct {
			BriefSummary string `json:"briefSummary"`
		} `json:"descriptionModule"`
		ConditionsModule struct {
			Conditions []string `json:"conditions"`
			Keywords   []string `json:"keywords"`
		} `json:"conditionsModule"`
		DesignModule struct {
			StudyType      string   `json:"studyType"`
			Phases         []string `json:"phases"`
			EnrollmentInfo struct {
				Count int    `json:"count"`
				Type  string `json:"type"`
			} `json:"enrollmentInfo"`
		} `json:"designModule"`
		ArmsInterventionsModule struct {
			Interventions []struct {
				Type string `json:"type"`
				Name string `json:"name"`
			} `json:"interventions"`
		} `json:"armsInterventionsModule"`
		EligibilityModule struct {
			EligibilityCriteria string `json:"eligibilityCriteria"`
			HealthyVolunteers   bool   `json:"healthyVolunteers"`
			Sex                 string `json:"sex"`
			MinimumAge          string `json:"minimumAge"`
			MaximumAge          string `json:"maximumAge"`
		} `json:"eligibilityModule"`
		ContactsLocationsModule struct {
			Locations []struct {
				Facility string `json:"facility"`
				Status   string `json:"status"`
				City     string `json:"city"`
				Zip      string `json:"zip"`
				Country  string `json:"country"`
				GeoPoint *struct {
					Lat float64 `json:"lat"`
					Lon float64 `json:"lon"`
				} `json:"geoPoint"`
			} `json:"locations"`
		} `json:"contactsLocationsModule"`
	} `json:"protocolSection"`
	DerivedSection struct {
		ConditionBrowseModule struct {
			Meshes []struct {
				Term string `json:"term"`
			} `json:"meshes"`
		} `json:"conditionBrowseModule"`
	} `json:"derivedSection"`
}

type dateStruct struct {
	Date string `json:"date"`
}
