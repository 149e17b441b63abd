package patients

import (
	"equitrial"
	"equitrial/equity"
)

// EquityStrata converts a patient's stored strata to the equity package's form, the
// one recruitment monitoring counts in. Equity monitoring looks patients' strata up
// by id through this, including for patients who withdrew (their strata stay).
//
// Mappings: the five ethnic groups to their capitalised names, "not stated" and
// "not known" to equity's two missing-value groups; SMI and age bands unchanged, with
// "unknown" as not known; sex female and male unchanged. Sex "other" has no group of
// its own in equity monitoring (its dimension compares female and male with the
// population), so it is counted as not known rather than forced into either.
// An IMD quintile is passed on only with the edition it belongs to.
func EquityStrata(s *equitrial.Strata) equity.Strata {
	if s == nil {
		return equity.Strata{EthnicGroup: equity.GroupNotKnown, SMI: equity.GroupNotKnown, Sex: equity.GroupNotKnown, AgeBand: equity.GroupNotKnown}
	}
	out := equity.Strata{
		EthnicGroup: equityEthnicGroup(s.EthnicGroup),
		SMI:         equity.GroupNotKnown,
		Sex:         equity.GroupNotKnown,
		AgeBand:     equity.GroupNotKnown,
	}
	if s.IMDEdition != "" && s.IMDQuintile >= 1 && s.IMDQuintile <= 5 {
		out.IMDQuintile = s.IMDQuintile
	}
	switch s.SMI {
	case SMIYes:
		out.SMI = equity.SMIYes
	case SMINo:
		out.SMI = equity.SMINo
	}
	switch s.Sex {
	case "female":
		out.Sex = equity.SexFemale
	case "male":
		out.Sex = equity.SexMale
	}
	if equity.IsGroup(equity.DimAgeBand, s.AgeBand) {
		out.AgeBand = s.AgeBand
	}
	return out
}

func equityEthnicGroup(g equitrial.EthnicGroup) string {
	switch g {
	case equitrial.EthnicGroupAsian:
		return equity.EthnicAsian
	case equitrial.EthnicGroupBlack:
		return equity.EthnicBlack
	case equitrial.EthnicGroupMixed:
		return equity.EthnicMixed
	case equitrial.EthnicGroupWhite:
		return equity.EthnicWhite
	case equitrial.EthnicGroupOther:
		return equity.EthnicOther
	case equitrial.EthnicGroupNotStated:
		return equity.GroupNotStated
	}
	return equity.GroupNotKnown
}
