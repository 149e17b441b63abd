package api

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"equitrial/equity"
)

// getEquityCSV serves a trial's dashboard tables as CSV: one row per group of every
// dimension, the figures the dashboard page shows. It is the same dashboard as GET
// …/equity (dashboardFor, through equityResponse), so a sponsor's CSV carries the
// disclosure-controlled figures only.
func (s *Server) getEquityCSV(c *gin.Context) error {
	id, d, err := s.dashboardFromPath(c)
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Disposition", `attachment; filename="`+id+`-diversity.csv"`)
	c.Data(http.StatusOK, "text/csv; charset=utf-8", equityCSV(d))
	return nil
}

// equityCSVHeader names the CSV's columns. Percentages are numbers of percent to
// one decimal place, as the page shows them; empty cells are figures that are not
// defined (or are withheld from this view).
var equityCSVHeader = []string{"Dimension", "Group", "Target (%)", "Enrolled", "Share (%)",
	"Share 95% interval low (%)", "Share 95% interval high (%)", "PPR", "PPR 95% interval low", "PPR 95% interval high",
	"Needed share of remaining places (%)", "Chance of reaching target (%)", "Status"}

// equityCSV writes a dashboard's group tables. It reads only the dashboard it is
// given: a group withheld from a sponsor reads "fewer than 8" with no figure,
// whatever its count, so an empty group and a group of 1–7 give the same bytes.
func equityCSV(d equity.Dashboard) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(equityCSVHeader)
	for _, dim := range equity.Dimensions {
		groups, ok := d.Dimensions[dim]
		if !ok {
			continue
		}
		for _, g := range equity.Groups(dim) {
			gs, ok := groups[g]
			if !ok {
				continue
			}
			withheld := gs.Suppressed || gs.Enrolled.IsSuppressed()
			enrolled := equity.SuppressedText
			if !withheld {
				enrolled = strconv.Itoa(int(gs.Enrolled))
			}
			w.Write([]string{equity.DimensionLabel(dim), equity.GroupLabel(dim, g), csvPercent(gs.Target), enrolled,
				csvPercent(gs.Share), csvPercent(gs.ShareLow), csvPercent(gs.ShareHigh),
				csvRatio(gs.PPR), csvRatio(gs.PPRLow), csvRatio(gs.PPRHigh),
				csvPercent(gs.NeededShare), csvPercent(gs.ProbReach), equity.StatusLabel(gs.Status)})
		}
	}
	w.Flush()
	return b.Bytes()
}

func csvPercent(f equity.Float) string {
	if !f.Defined() {
		return ""
	}
	return strconv.FormatFloat(float64(f)*100, 'f', 1, 64)
}

func csvRatio(f equity.Float) string {
	if !f.Defined() {
		return ""
	}
	return strconv.FormatFloat(float64(f), 'f', 2, 64)
}
