package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"equitrial/eligibility"
)

// criterionView is one parsed criterion as a person reads it: the original text,
// what equitrial understood, and how sure it is.
type criterionView struct {
	eligibility.Criterion
	Meaning []string `json:"meaning"` // e.g. "HbA1c between 7.0 and 10.5 %"; empty for type other
}

// getCriteria returns a trial's eligibility criteria, structured and explained.
func (s *Server) getCriteria(c *gin.Context) error {
	id := c.Param("nctId")
	if err := checkNCTID(id); err != nil {
		return err
	}
	t, err := s.Catalog.Store.Get(c.Request.Context(), id)
	if err != nil {
		return err
	}
	parsed := eligibility.Parse(t)
	views := make([]criterionView, 0, len(parsed.Criteria))
	for i := range parsed.Criteria {
		cr := &parsed.Criteria[i]
		views = append(views, criterionView{Criterion: *cr, Meaning: cr.Describe()})
	}
	c.JSON(http.StatusOK, gin.H{"nctId": parsed.NCTID, "minAgeYears": parsed.MinAge, "maxAgeYears": parsed.MaxAge,
		"sex": parsed.Sex, "healthyVolunteers": parsed.HealthyVolunteers, "criteria": views})
	return nil
}
