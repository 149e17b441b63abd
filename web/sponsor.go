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
	// A page of the organisation's trials: each line reads the trial and its
	// dashboard, so a sponsor with hundreds of trials gets them twenty at a time.
	pageNo := pageParam(r.URL.Query())
	ids := pageOf(m.Trials, pageNo, sponsorPageSize)
	d := sponsorTrials{Pager: newPager(len(m.Trials), pageNo, sponsorPageSize, len(ids), "trial", "trials", func(n int) string {
		return pageHref("/sponsor", url.Values{}, n)
	})}
	if id := strings.ToUpper(strings.TrimSpace(r.URL.Query().Get("nct"))); id != "" {
		if len(id) == 11 && strings.HasPrefix(id, "NCT") {
			http.Redirect(w, r, "/trials/"+id+"/equity", http.StatusSeeOther)
			return
		}
		d.Trials, d.NCT = s.trialTitles(w, r, ids, true), id
		s.render(w, r, http.StatusBadRequest, "sponsor", page{Title: "Your trials", Me: m,
			Errors: []fieldError{{Field: "nct", Href: "#nct", Detail: "Enter an NCT number: NCT followed by 8 numbers, like NCT04280705"}}, D: d})
		return
	}
	d.Trials = s.trialTitles(w, r, ids, true)
	s.render(w, r, http.StatusOK, "sponsor", page{Title: "Your trials", Me: m, D: d})
}

// sponsorPageSize is how many trials a page of the sponsor's home lists.
const sponsorPageSize = 20

// sponsorTrials is the sponsor's home page: a page of their organisation's
// trials, and the NCT number typed (to open a trial not listed).
type sponsorTrials struct {
	Trials []trialLink
	Pager  *pager
	NCT    string
}

type trialLink struct {
	NCTID, Title, Status string
	Summary              string // enrolled, target and open alerts, in words; "" when the dashboard could not be read
}

// trialTitles looks up the titles of the trials (through the API, as every page does).
// With summaries, each comes with its dashboard's summary line.
func (s *Site) trialTitles(w http.ResponseWriter, r *http.Request, ids []string, summaries bool) []trialLink {
	var out []trialLink
	for _, id := range ids {
		link := trialLink{NCTID: id, Title: id}
		t, ok := s.getTrialHeading(w, r, id)
		if ok {
			link.Title, link.Status = t.BriefTitle, t.OverallStatus
		}
		if summaries {
			var d dashboardView
			if res := s.getDashboard(w, r, id, &d); res.ok() {
				link.Summary = d.Summary()
				if d.Targets.Total == 0 && t.Enrollment > 0 {
					// No target set: the trial's own plan says how far along it is.
					link.Summary = strings.Replace(link.Summary, " (no total target set)",
						" of "+thousands(t.Enrollment)+" planned on ClinicalTrials.gov (no target set)", 1)
				}
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
	Enrollment    int    `json:"enrollment"` // planned (or actual) participants, as registered
}

// getTrialHeading reads a trial's title and status; false when the API did not
// give them. The dashboard page and the sponsor's list read them alike.
func (s *Site) getTrialHeading(w http.ResponseWriter, r *http.Request, id string) (trialHeading, bool) {
	var t trialHeading
	res := s.get(w, r, "/api/v1/trials/"+url.PathEscape(id), &t, callOpts{})
	return t, res.ok()
}
