package web

import (
	"net/http"
	"net/url"
	"strings"
)

// A sponsor's home page: their organisation's trials, each with its dashboard's
// summary, and a box to open any trial's dashboard by NCT number.

// sponsorHome is where a sponsor starts. The API has no "my organisation's trials"
// route for sponsors yet, so the page asks for the trial's NCT number.
func (s *Site) sponsorHome(w http.ResponseWriter, r *http.Request) {
	m := s.requireStaff(w, r, "sponsor", "admin")
	if m == nil {
		return
	}
	if id := strings.ToUpper(strings.TrimSpace(r.URL.Query().Get("nct"))); id != "" {
		if len(id) == 11 && strings.HasPrefix(id, "NCT") {
			http.Redirect(w, r, "/trials/"+id+"/equity", http.StatusSeeOther)
			return
		}
		s.render(w, r, http.StatusBadRequest, "sponsor", page{Title: "Your trials", Me: m,
			Errors: []fieldError{{Field: "nct", Href: "#nct", Detail: "Enter an NCT number: NCT followed by 8 numbers, like NCT04280705"}},
			D:      sponsorTrials{Trials: s.trialTitles(w, r, m.Trials, true), NCT: id}})
		return
	}
	s.render(w, r, http.StatusOK, "sponsor", page{Title: "Your trials", Me: m, D: sponsorTrials{Trials: s.trialTitles(w, r, m.Trials, true)}})
}

// sponsorTrials is the sponsor's home page: their organisation's trials, and the
// NCT number typed (to open a trial not listed).
type sponsorTrials struct {
	Trials []trialLink
	NCT    string
}

type trialLink struct {
	NCTID, Title, Status string
	Summary              string // enrolled, target and open alerts, in words; "" when the dashboard could not be read
}

// maxListedTrials bounds the trial titles looked up for one page.
const maxListedTrials = 100

// trialTitles looks up the titles of the trials (through the API, as every page does).
// With summaries, each comes with its dashboard's summary line.
func (s *Site) trialTitles(w http.ResponseWriter, r *http.Request, ids []string, summaries bool) []trialLink {
	var out []trialLink
	for _, id := range ids[:min(len(ids), maxListedTrials)] {
		link := trialLink{NCTID: id, Title: id}
		if t, ok := s.getTrialHeading(w, r, id); ok {
			link.Title, link.Status = t.BriefTitle, t.OverallStatus
		}
		if summaries {
			var d dashboardView
			if res := s.getDashboard(w, r, id, &d); res.ok() {
				link.Summary = d.Summary()
			}
		}
		out = append(out, link)
	}
	return out
}

// trialHeading is what the trial lists and the dashboard's heading read of a
// trial: GET /api/v1/trials/{nctId}, title and status only.
type trialHeading struct {
	BriefTitle    string `json:"briefTitle"`
	OverallStatus string `json:"overallStatus"`
}

// getTrialHeading reads a trial's title and status; false when the API did not
// give them. The dashboard page and the sponsor's list read them alike.
func (s *Site) getTrialHeading(w http.ResponseWriter, r *http.Request, id string) (trialHeading, bool) {
	var t trialHeading
	res := s.get(w, r, "/api/v1/trials/"+url.PathEscape(id), &t, callOpts{})
	return t, res.ok()
}
