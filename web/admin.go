package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// An administrator's pages: an overview, accounts, API tokens, organisations,
// scheduled jobs, the audit log, reference data and trial import. Like every page
// they read and write through the API, as the signed-in administrator.

// adminPageNames are the administrator's templates, each rendered inside
// layout.html with the shared partials and admin-partials.html.
var adminPageNames = []string{"admin", "admin-users", "admin-tokens", "admin-orgs", "admin-jobs", "admin-audit", "admin-refdata", "admin-import"}

func (s *Site) addAdminPages() {
	for _, name := range adminPageNames {
		s.pages[name] = template.Must(template.New("layout.html").Funcs(funcs).Funcs(adminFuncs).
			ParseFS(templateFS, "templates/layout.html", "templates/partials.html", "templates/admin-partials.html", "templates/"+name+".html"))
	}
}

var adminFuncs = template.FuncMap{
	"afield":        newAdminField,
	"when":          when,
	"thousands":     thousands,
	"jobName":       jobName,
	"jobAbout":      func(name string) string { return jobNames[name][1] },
	"adminSections": func() []adminSection { return adminSections },
	"firstN":        func(n int, xs []string) []string { return xs[:min(n, len(xs))] },
	"minus":         func(a, b int) int { return a - b },
}

type adminField struct{ ID, Name, Label, Hint, Value, Err, Class, Type string }

func newAdminField(id, name, label, hint, value, err, class, typ string) adminField {
	return adminField{id, name, label, hint, value, err, class, typ}
}

type adminSection struct{ Key, Label, Href string }

var adminSections = []adminSection{
	{"overview", "Overview", "/admin"}, {"users", "Accounts and roles", "/admin/users"}, {"tokens", "API tokens", "/admin/tokens"},
	{"orgs", "Organisations", "/admin/orgs"}, {"jobs", "Scheduled jobs", "/admin/jobs"}, {"audit", "Audit log", "/admin/audit"},
	{"refdata", "Reference data", "/admin/refdata"}, {"import", "Import trials", "/admin/import"},
}

// jobNames are the scheduled jobs in words: a name and what the job does.
var jobNames = map[string][2]string{
	"equity-monitor":  {"Equity monitor", "Works out every trial's diversity dashboard, raises and clears alerts, and queues sponsors' webhook notices."},
	"index-sync-full": {"Search index check", "Compares the whole search index with the stored trials and mends any difference."},
	"rematch":         {"Rematching", "Matches every registered patient to the trials again, so new and changed trials reach them."},
	"purge":           {"Retention purge", "Withdraws records unchanged for longer than the retention period, and removes ended sessions, tokens and old job runs."},
}

// jobName is a job's name in words; a job this page does not know, its own name.
func jobName(name string) string {
	if n, ok := jobNames[name]; ok {
		return n[0]
	}
	return name
}

// when is a time as people in England read it: 3 March 2026, 14:05.
func when(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.In(london).Format("2 January 2006, 15:04")
}

var london = func() *time.Location {
	if l, err := time.LoadLocation("Europe/London"); err == nil {
		return l
	}
	return time.UTC
}()

// thousands writes 12345 as 12,345.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func (s *Site) adminRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /admin", s.adminHome)
	mux.HandleFunc("GET /admin/users", s.adminUsers)
	mux.HandleFunc("POST /admin/users", s.adminCreateUser)
	mux.HandleFunc("POST /admin/users/{id}/disable", s.adminDisableUser)
	mux.HandleFunc("POST /admin/users/{id}/enable", s.adminEnableUser)
	mux.HandleFunc("POST /admin/users/{id}/reset-password", s.adminResetPassword)
	mux.HandleFunc("GET /admin/tokens", s.adminTokens)
	mux.HandleFunc("POST /admin/tokens", s.adminCreateToken)
	mux.HandleFunc("POST /admin/tokens/{id}/revoke", s.adminRevokeToken)
	mux.HandleFunc("GET /admin/orgs", s.adminOrgs)
	mux.HandleFunc("POST /admin/orgs", s.adminPutOrg)
	mux.HandleFunc("GET /admin/jobs", s.adminJobs)
	mux.HandleFunc("POST /admin/jobs/{name}/run", s.adminRunJob)
	mux.HandleFunc("GET /admin/audit", s.adminAudit)
	mux.HandleFunc("GET /admin/refdata", s.adminRefdata)
	mux.HandleFunc("GET /admin/import", s.adminImportForm)
	mux.HandleFunc("POST /admin/import", s.adminImport)
}

// The API's JSON as the administrator's pages read it.

type userView struct {
	ID                 string    `json:"id"`
	Email              string    `json:"email"`
	Role               string    `json:"role"`
	Org                string    `json:"org"`
	MustChangePassword bool      `json:"mustChangePassword"`
	Disabled           bool      `json:"disabled"`
	CreatedAt          time.Time `json:"createdAt"`
}

type tokenView struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Org       string    `json:"org"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	RevokedAt time.Time `json:"revokedAt"`
}

// State is "Active", "Revoked" or "Expired".
func (t tokenView) State() string {
	switch {
	case !t.RevokedAt.IsZero():
		return "Revoked"
	case !t.ExpiresAt.IsZero() && time.Now().After(t.ExpiresAt):
		return "Expired"
	}
	return "Active"
}

type orgView struct {
	ID               string   `json:"id"`
	Name             string   `json:"name"`
	Kind             string   `json:"kind"`
	Trials           []string `json:"trials"`
	SelfRegistration bool     `json:"selfRegistration"`
}

type jobRunView struct {
	ID        string    `json:"id"`
	Job       string    `json:"job"`
	Holder    string    `json:"holder"`
	Trigger   string    `json:"trigger"`
	StartedAt time.Time `json:"startedAt"`
	EndedAt   time.Time `json:"endedAt"`
	Outcome   string    `json:"outcome"`
	Error     string    `json:"error"`
	Detail    string    `json:"detail"`
}

// Took is how long the run took, or "" while it runs.
func (r jobRunView) Took() string {
	if r.EndedAt.IsZero() {
		return ""
	}
	d := r.EndedAt.Sub(r.StartedAt)
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return d.Round(100 * time.Millisecond).String()
}

type jobView struct {
	Name     string       `json:"name"`
	Schedule string       `json:"schedule"`
	Next     time.Time    `json:"next"`
	Running  bool         `json:"running"`
	Runs     []jobRunView `json:"runs"`
}

// Last is the latest run, or nil.
func (j jobView) Last() *jobRunView {
	if len(j.Runs) == 0 {
		return nil
	}
	return &j.Runs[0]
}

type jobsView struct {
	Holder   string    `json:"holder"`
	Timezone string    `json:"timezone"`
	Jobs     []jobView `json:"jobs"`
}

type auditView struct {
	At        time.Time `json:"at"`
	ActorRole string    `json:"actorRole"`
	ActorID   string    `json:"actorId"`
	ActorOrg  string    `json:"actorOrg"`
	Action    string    `json:"action"`
	Subject   string    `json:"subject"`
	SubjectID string    `json:"subjectId"`
	Count     int       `json:"count"`
	Method    string    `json:"method"`
	Route     string    `json:"route"`
	RequestID string    `json:"requestId"`
	Status    int       `json:"status"`
}

type refdataView struct {
	Loaded   bool `json:"loaded"`
	InUse    bool `json:"inUse"`
	Manifest *struct {
		Generation string         `json:"generation"`
		Edition    string         `json:"edition"`
		Directory  string         `json:"directory"`
		LoadedAt   time.Time      `json:"loadedAt"`
		Counts     map[string]int `json:"counts"`
	} `json:"manifest"`
}

// CountRows are the manifest's counts in a fixed order, with labels.
func (r refdataView) CountRows() []countRow {
	if r.Manifest == nil {
		return nil
	}
	labels := map[string]string{"postcodes": "Postcodes", "areas": "Small areas in the directory", "imdAreas": "Areas with a deprivation decile",
		"matchedAreas": "Directory areas with a deprivation decile", "located": "Postcodes with coordinates", "centroids": "Small-area centroids"}
	var keys []string
	for k := range r.Manifest.Counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []countRow
	for _, k := range keys {
		label := labels[k]
		if label == "" {
			label = humanField(k)
			label = strings.ToUpper(label[:1]) + label[1:]
		}
		out = append(out, countRow{Label: label, N: r.Manifest.Counts[k]})
	}
	return out
}

type countRow struct {
	Label string
	N     int
}

// adminData is what every administrator's page gets.
type adminData struct {
	Section string // which page of the section, for the sub-navigation
	Notice  string // what the last action did
	Secret  *secretShown
	Form    map[string]string // values sent back with errors

	Users   []userView
	Tokens  []tokenView
	Orgs    []orgView
	Jobs    *jobsView
	Audit   []auditView
	List    *adminList // the list page's find box and pager (admin_lists.go)
	Filter  map[string]string
	Refdata *refdataView
	Import  *importSummary
	Overview
}

// secretShown is a password or token shown once, right after it was made.
type secretShown struct {
	Heading, Label, Value, Hint string
}

// Overview is the administrator's start page: counts, jobs' last runs, and what
// needs attention.
type Overview struct {
	Trials, Patients                                          int
	ActiveUsers, DisabledUsers, ActiveTokens, Sites, Sponsors int
	FailedJobs                                                int
	HaveTrials, HavePatients                                  bool
}

func (s *Site) renderAdmin(w http.ResponseWriter, r *http.Request, status int, name, title string, m *me, errs []fieldError, d adminData) {
	s.render(w, r, status, name, page{Title: title, Me: m, Errors: errs, Wide: true, D: d})
}

// adminShow shows one of the administrator's list pages (accounts, tokens) with
// the status, errors and data given.
type adminShow func(w http.ResponseWriter, r *http.Request, m *me, status int, errs []fieldError, d adminData)

// adminListPage is the GET handler of a list page: the accounts and tokens pages
// differ only in what they show, after the same check and with the same notice of
// the last action (?done=).
func (s *Site) adminListPage(w http.ResponseWriter, r *http.Request, show adminShow) {
	m := s.requireStaff(w, r, "admin")
	if m == nil {
		return
	}
	show(w, r, m, http.StatusOK, nil, adminData{Notice: adminNotices[r.URL.Query().Get("done")]})
}

// getWithOrgs reads a list page's list from the API into list (the page fails
// without it: false) and the organisations its form offers (the form does without
// them). The accounts and tokens pages read alike, so they share this.
func (s *Site) getWithOrgs(w http.ResponseWriter, r *http.Request, path string, list any) ([]orgView, bool) {
	if res := s.get(w, r, path, list, callOpts{}); !res.ok() {
		s.failed(w, r, res)
		return nil, false
	}
	var orgs struct{ Orgs []orgView }
	s.get(w, r, "/api/v1/orgs", &orgs, callOpts{})
	return orgs.Orgs, true
}

// adminNotices are the messages after an action, by ?done=.
var adminNotices = map[string]string{
	"disabled": "The account has been disabled. Its sessions have ended.",
	"enabled":  "The account has been enabled.",
	"revoked":  "The token has been revoked. Integrations using it can no longer call the API.",
	"saved":    "The organisation has been saved.",
	"started":  "The job has started. Its run is listed below: refresh the page to see it finish.",
}

func (s *Site) adminHome(w http.ResponseWriter, r *http.Request) {
	m := s.requireStaff(w, r, "admin")
	if m == nil {
		return
	}
	d := adminData{Section: "overview"}
	var users struct{ Users []userView }
	if res := s.get(w, r, "/api/v1/users", &users, callOpts{}); !res.ok() {
		s.failed(w, r, res)
		return
	}
	for _, u := range users.Users {
		if u.Disabled {
			d.DisabledUsers++
		} else {
			d.ActiveUsers++
		}
	}
	var toks struct{ Tokens []tokenView }
	if res := s.get(w, r, "/api/v1/tokens", &toks, callOpts{}); res.ok() {
		for _, t := range toks.Tokens {
			if t.State() == "Active" {
				d.ActiveTokens++
			}
		}
	}
	var orgs struct{ Orgs []orgView }
	if res := s.get(w, r, "/api/v1/orgs", &orgs, callOpts{}); res.ok() {
		for _, o := range orgs.Orgs {
			if o.Kind == "site" {
				d.Sites++
			} else {
				d.Sponsors++
			}
		}
	}
	var ready struct {
		TrialsIndexed *int `json:"trialsIndexed"`
	}
	if res := s.get(w, r, "/readyz", &ready, callOpts{}); ready.TrialsIndexed != nil {
		d.Trials, d.HaveTrials = *ready.TrialsIndexed, true
		_ = res
	}
	var pats struct {
		Total *int `json:"total"`
	}
	if res := s.get(w, r, "/api/v1/patients?size=1", &pats, callOpts{}); res.ok() && pats.Total != nil {
		d.Patients, d.HavePatients = *pats.Total, true
	}
	var jobs jobsView
	if res := s.get(w, r, "/api/v1/jobs", &jobs, callOpts{}); res.ok() {
		d.Jobs = &jobs
		for _, j := range jobs.Jobs {
			if l := j.Last(); l != nil && l.Outcome == "failed" {
				d.FailedJobs++
			}
		}
	}
	var ref refdataView
	if res := s.get(w, r, "/api/v1/refdata", &ref, callOpts{}); res.ok() {
		d.Refdata = &ref
	}
	s.renderAdmin(w, r, http.StatusOK, "admin", "Administration", m, nil, d)
}

// Accounts

func (s *Site) adminUsers(w http.ResponseWriter, r *http.Request) {
	s.adminListPage(w, r, s.showUsers)
}

func (s *Site) showUsers(w http.ResponseWriter, r *http.Request, m *me, status int, errs []fieldError, d adminData) {
	var users struct{ Users []userView }
	orgs, ok := s.getWithOrgs(w, r, "/api/v1/users", &users)
	if !ok {
		return
	}
	q, pageNo := listPosition(r)
	var found []userView
	for _, u := range users.Users {
		if matchUser(u, q) {
			found = append(found, u)
		}
	}
	d.Section, d.Users, d.Orgs = "users", pageOf(found, pageNo, adminListSize), orgs
	d.List = newAdminList("/admin/users", q, pageNo, len(found), len(d.Users), "account", "accounts")
	s.renderAdmin(w, r, status, "admin-users", "Accounts and roles", m, errs, d)
}

func (s *Site) adminCreateUser(w http.ResponseWriter, r *http.Request) {
	m := s.requireStaff(w, r, "admin")
	if m == nil {
		return
	}
	r.ParseForm()
	f := map[string]string{"email": strings.TrimSpace(r.PostFormValue("email")), "role": r.PostFormValue("role"), "org": strings.TrimSpace(r.PostFormValue("org"))}
	res := s.call(w, r, http.MethodPost, "/api/v1/users", f, callOpts{})
	if res.Status == http.StatusBadRequest || res.Status == http.StatusConflict {
		errs := mapErrors(res.Problem, map[string]fieldMsg{
			"email": {ID: "email", Msg: "Enter an email address, like name@example.nhs.uk"},
			"role":  {ID: "role", Msg: "Choose a role"},
			"org":   {ID: "org", Msg: "Enter the organisation of a nurse or sponsor"},
		})
		if res.Status == http.StatusConflict {
			errs = []fieldError{{Field: "email", Href: "#email", Detail: "There is already an account with this email address"}}
		}
		s.showUsers(w, r, m, res.Status, errs, adminData{Form: f})
		return
	}
	if !res.ok() {
		s.failed(w, r, res)
		return
	}
	var out struct {
		User            userView
		OneTimePassword string
	}
	res.decode(&out)
	s.showUsers(w, r, m, http.StatusCreated, nil, adminData{
		Notice: "The account for " + out.User.Email + " has been created.",
		Secret: &secretShown{Heading: "One-time password for " + out.User.Email, Label: "One-time password", Value: out.OneTimePassword,
			Hint: "Give it to them securely. It is shown only now. They must choose a new password when they first sign in."}})
}

func (s *Site) adminSetDisabled(w http.ResponseWriter, r *http.Request, disabled bool) {
	m := s.requireStaff(w, r, "admin")
	if m == nil {
		return
	}
	res := s.call(w, r, http.MethodPatch, "/api/v1/users/"+url.PathEscape(r.PathValue("id")), map[string]bool{"disabled": disabled}, callOpts{})
	if res.Status == http.StatusBadRequest {
		s.showUsers(w, r, m, res.Status, mapErrors(res.Problem, nil), adminData{})
		return
	}
	if !res.ok() {
		s.failed(w, r, res)
		return
	}
	done := "enabled"
	if disabled {
		done = "disabled"
	}
	http.Redirect(w, r, backTo("/admin/users", done, r), http.StatusSeeOther)
}

func (s *Site) adminDisableUser(w http.ResponseWriter, r *http.Request) {
	s.adminSetDisabled(w, r, true)
}
func (s *Site) adminEnableUser(w http.ResponseWriter, r *http.Request) {
	s.adminSetDisabled(w, r, false)
}

func (s *Site) adminResetPassword(w http.ResponseWriter, r *http.Request) {
	m := s.requireStaff(w, r, "admin")
	if m == nil {
		return
	}
	res := s.call(w, r, http.MethodPost, "/api/v1/users/"+url.PathEscape(r.PathValue("id"))+"/reset-password", nil, callOpts{})
	if !res.ok() {
		s.failed(w, r, res)
		return
	}
	var out struct{ Email, OneTimePassword string }
	res.decode(&out)
	s.showUsers(w, r, m, http.StatusOK, nil, adminData{
		Notice: "The password for " + out.Email + " has been reset. Their sessions have ended.",
		Secret: &secretShown{Heading: "New one-time password for " + out.Email, Label: "One-time password", Value: out.OneTimePassword,
			Hint: "Give it to them securely. It is shown only now. They must choose a new password when they next sign in."}})
}

// API tokens

func (s *Site) adminTokens(w http.ResponseWriter, r *http.Request) {
	s.adminListPage(w, r, s.showTokens)
}

func (s *Site) showTokens(w http.ResponseWriter, r *http.Request, m *me, status int, errs []fieldError, d adminData) {
	var toks struct{ Tokens []tokenView }
	orgs, ok := s.getWithOrgs(w, r, "/api/v1/tokens", &toks)
	if !ok {
		return
	}
	_, pageNo := listPosition(r)
	d.Section, d.Tokens, d.Orgs = "tokens", pageOf(toks.Tokens, pageNo, adminListSize), orgs
	d.List = newAdminList("/admin/tokens", "", pageNo, len(toks.Tokens), len(d.Tokens), "token", "tokens")
	s.renderAdmin(w, r, status, "admin-tokens", "API tokens", m, errs, d)
}

// tokenLifetimes are the choices of how long a new token lasts.
var tokenLifetimes = map[string]string{"7": "168h", "30": "720h", "90": "2160h", "365": "8760h"}

func (s *Site) adminCreateToken(w http.ResponseWriter, r *http.Request) {
	m := s.requireStaff(w, r, "admin")
	if m == nil {
		return
	}
	r.ParseForm()
	f := map[string]string{"name": strings.TrimSpace(r.PostFormValue("name")), "role": r.PostFormValue("role"),
		"org": strings.TrimSpace(r.PostFormValue("org")), "days": r.PostFormValue("days")}
	var errs []fieldError
	if f["name"] == "" {
		errs = append(errs, fieldError{Field: "name", Href: "#name", Detail: "Enter a name that says what uses the token, like EPR feed"})
	}
	ttl, ok := tokenLifetimes[f["days"]]
	if !ok {
		errs = append(errs, fieldError{Field: "days", Href: "#days", Detail: "Choose how long the token lasts"})
	}
	if len(errs) == 0 {
		res := s.call(w, r, http.MethodPost, "/api/v1/tokens", map[string]string{"name": f["name"], "role": f["role"], "org": f["org"], "ttl": ttl}, callOpts{})
		if res.ok() {
			var out struct{ Token, ID string }
			res.decode(&out)
			s.showTokens(w, r, m, http.StatusCreated, nil, adminData{
				Notice: "The token " + f["name"] + " has been created.",
				Secret: &secretShown{Heading: "Token for " + f["name"], Label: "Bearer token", Value: out.Token,
					Hint: "Copy it into the integration now: it is shown only now and is stored hashed. Send it as Authorization: Bearer followed by the token."}})
			return
		}
		if res.Status != http.StatusBadRequest {
			s.failed(w, r, res)
			return
		}
		errs = mapErrors(res.Problem, map[string]fieldMsg{
			"name": {ID: "name", Subject: "The name"},
			"role": {ID: "token-role", Msg: "Choose a role"},
			"org":  {ID: "token-org", Msg: "Enter the organisation the token acts for"},
			"ttl":  {ID: "days", Msg: "Choose how long the token lasts"},
		})
	}
	s.showTokens(w, r, m, http.StatusBadRequest, errs, adminData{Form: f})
}

func (s *Site) adminRevokeToken(w http.ResponseWriter, r *http.Request) {
	m := s.requireStaff(w, r, "admin")
	if m == nil {
		return
	}
	res := s.call(w, r, http.MethodDelete, "/api/v1/tokens/"+url.PathEscape(r.PathValue("id")), nil, callOpts{})
	if !res.ok() {
		s.failed(w, r, res)
		return
	}
	http.Redirect(w, r, backTo("/admin/tokens", "revoked", r), http.StatusSeeOther)
}

// Organisations

func (s *Site) adminOrgs(w http.ResponseWriter, r *http.Request) {
	m := s.requireStaff(w, r, "admin")
	if m == nil {
		return
	}
	d := adminData{Notice: adminNotices[r.URL.Query().Get("done")]}
	if id := r.URL.Query().Get("edit"); id != "" {
		d.Form = map[string]string{"edit": id}
	}
	s.showOrgs(w, r, m, http.StatusOK, nil, d)
}

func (s *Site) showOrgs(w http.ResponseWriter, r *http.Request, m *me, status int, errs []fieldError, d adminData) {
	var orgs struct{ Orgs []orgView }
	if res := s.get(w, r, "/api/v1/orgs", &orgs, callOpts{}); !res.ok() {
		s.failed(w, r, res)
		return
	}
	_, pageNo := listPosition(r)
	d.Section, d.Orgs = "orgs", pageOf(orgs.Orgs, pageNo, adminListSize)
	d.List = newAdminList("/admin/orgs", "", pageNo, len(orgs.Orgs), len(d.Orgs), "organisation", "organisations")
	if id := d.Form["edit"]; id != "" && d.Form["id"] == "" {
		for _, o := range orgs.Orgs {
			if o.ID == id {
				d.Form = map[string]string{"edit": id, "id": o.ID, "name": o.Name, "kind": o.Kind,
					"trials": strings.Join(o.Trials, "\n"), "selfRegistration": map[bool]string{true: "on"}[o.SelfRegistration]}
			}
		}
	}
	s.renderAdmin(w, r, status, "admin-orgs", "Organisations", m, errs, d)
}

func (s *Site) adminPutOrg(w http.ResponseWriter, r *http.Request) {
	m := s.requireStaff(w, r, "admin")
	if m == nil {
		return
	}
	r.ParseForm()
	f := map[string]string{"id": strings.TrimSpace(r.PostFormValue("id")), "name": strings.TrimSpace(r.PostFormValue("name")),
		"kind": r.PostFormValue("kind"), "trials": r.PostFormValue("trials"), "selfRegistration": r.PostFormValue("selfRegistration"),
		"edit": r.PostFormValue("edit")}
	var errs []fieldError
	if !validOrgID(f["id"]) {
		errs = append(errs, fieldError{Field: "org-id", Href: "#org-id", Detail: "Enter a short identifier of lower-case letters, digits and hyphens, like nhs-trust-a"})
	}
	trials := strings.FieldsFunc(strings.ToUpper(f["trials"]), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
	if len(errs) == 0 {
		body := map[string]any{"name": f["name"], "kind": f["kind"], "trials": trials,
			"selfRegistration": f["selfRegistration"] == "on" && f["kind"] == "site"}
		res := s.call(w, r, http.MethodPut, "/api/v1/orgs/"+url.PathEscape(f["id"]), body, callOpts{})
		if res.ok() {
			http.Redirect(w, r, "/admin/orgs?done=saved", http.StatusSeeOther)
			return
		}
		if res.Status != http.StatusBadRequest {
			s.failed(w, r, res)
			return
		}
		errs = mapErrors(res.Problem, map[string]fieldMsg{
			"name":   {ID: "org-name", Msg: "Enter the organisation's name"},
			"kind":   {ID: "kind", Msg: "Choose whether it is a research site or a sponsor"},
			"trials": {ID: "trials", Msg: "Enter trials as NCT numbers, like NCT04280705, one a line"},
		})
	}
	s.showOrgs(w, r, m, http.StatusBadRequest, errs, adminData{Form: f})
}

func validOrgID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// Jobs

func (s *Site) adminJobs(w http.ResponseWriter, r *http.Request) {
	m := s.requireStaff(w, r, "admin")
	if m == nil {
		return
	}
	d := adminData{Section: "jobs", Notice: adminNotices[r.URL.Query().Get("done")]}
	var jobs jobsView
	res := s.get(w, r, "/api/v1/jobs", &jobs, callOpts{})
	switch {
	case res.ok():
		d.Jobs = &jobs
	case res.Status == http.StatusServiceUnavailable:
		d.Notice = "The job scheduler is not running in this process."
	default:
		s.failed(w, r, res)
		return
	}
	s.renderAdmin(w, r, http.StatusOK, "admin-jobs", "Scheduled jobs", m, nil, d)
}

func (s *Site) adminRunJob(w http.ResponseWriter, r *http.Request) {
	m := s.requireStaff(w, r, "admin")
	if m == nil {
		return
	}
	res := s.call(w, r, http.MethodPost, "/api/v1/jobs/"+url.PathEscape(r.PathValue("name"))+"/run", nil, callOpts{})
	if res.Status == http.StatusConflict {
		s.errorPageFor(w, r, m, http.StatusConflict, "The job is already running", sentence(res.Problem.Detail), "/admin/jobs", "Back to scheduled jobs")
		return
	}
	if !res.ok() {
		s.failed(w, r, res)
		return
	}
	http.Redirect(w, r, "/admin/jobs?done=started#job-"+url.PathEscape(r.PathValue("name")), http.StatusSeeOther)
}

func (s *Site) errorPageFor(w http.ResponseWriter, r *http.Request, m *me, status int, title, msg, link, linkText string) {
	s.render(w, r, status, "error", page{Title: title, Me: m, D: errorData{Message: msg, Link: link, LinkText: linkText}})
}

// Audit log

// auditPageSize is how many entries a page of the audit log shows.
const auditPageSize = 50

func (s *Site) adminAudit(w http.ResponseWriter, r *http.Request) {
	m := s.requireStaff(w, r, "admin")
	if m == nil {
		return
	}
	q := r.URL.Query()
	d := adminData{Section: "audit", Filter: map[string]string{"subjectId": strings.TrimSpace(q.Get("subjectId")),
		"actorId": strings.TrimSpace(q.Get("actorId")), "from": q.Get("from"), "to": q.Get("to")}}
	api := url.Values{}
	var errs []fieldError
	for _, k := range []string{"subjectId", "actorId"} {
		if v := d.Filter[k]; v != "" {
			api.Set(k, v)
		}
	}
	// Dates are whole days, Europe/London: "to" includes its day.
	for _, k := range []string{"from", "to"} {
		v := d.Filter[k]
		if v == "" {
			continue
		}
		t, err := time.ParseInLocation(time.DateOnly, v, london)
		if err != nil {
			errs = append(errs, fieldError{Field: "audit-" + k, Href: "#audit-" + k, Detail: map[string]string{"from": "The first day", "to": "The last day"}[k] + " must be a real date"})
			continue
		}
		if k == "to" {
			t = t.AddDate(0, 0, 1)
		}
		api.Set(k, t.UTC().Format(time.RFC3339))
	}
	status := http.StatusOK
	if len(errs) == 0 {
		pageNo := pageParam(q)
		api.Set("page", strconv.Itoa(pageNo))
		api.Set("size", strconv.Itoa(auditPageSize))
		var out struct {
			Entries []auditView
			Total   int
		}
		res := s.get(w, r, "/api/v1/audit?"+api.Encode(), &out, callOpts{})
		switch {
		case res.ok():
			d.Audit = out.Entries
			keep := url.Values{}
			for k, v := range d.Filter {
				if v != "" {
					keep.Set(k, v)
				}
			}
			d.List = &adminList{Pager: newPager(out.Total, pageNo, auditPageSize, len(out.Entries), "entry", "entries", func(n int) string {
				return pageHref("/admin/audit", keep, n)
			})}
		case res.Status == http.StatusBadRequest:
			errs, status = mapErrors(res.Problem, map[string]fieldMsg{"from": {ID: "audit-from"}, "to": {ID: "audit-to"}}), http.StatusBadRequest
		default:
			s.failed(w, r, res)
			return
		}
	} else {
		status = http.StatusBadRequest
	}
	s.renderAdmin(w, r, status, "admin-audit", "Audit log", m, errs, d)
}

// Reference data

func (s *Site) adminRefdata(w http.ResponseWriter, r *http.Request) {
	m := s.requireStaff(w, r, "admin")
	if m == nil {
		return
	}
	var ref refdataView
	if res := s.get(w, r, "/api/v1/refdata", &ref, callOpts{}); !res.ok() {
		s.failed(w, r, res)
		return
	}
	s.renderAdmin(w, r, http.StatusOK, "admin-refdata", "Reference data", m, nil, adminData{Section: "refdata", Refdata: &ref})
}

// Trial import

type importSummary struct {
	File       string
	Imported   int `json:"imported"`
	Updated    int `json:"updated"`
	Unchanged  int `json:"unchanged"`
	Rejected   int `json:"rejected"`
	Rejections []struct {
		Source   string `json:"source"`
		Position string `json:"position"`
		Reason   string `json:"reason"`
	} `json:"rejections"`
}

// maxUpload is the largest file the import page takes; the API's own limit applies too.
const maxUpload = 64 << 20

func (s *Site) adminImportForm(w http.ResponseWriter, r *http.Request) {
	m := s.requireStaff(w, r, "admin")
	if m == nil {
		return
	}
	s.renderAdmin(w, r, http.StatusOK, "admin-import", "Import trials", m, nil, adminData{Section: "import"})
}

func (s *Site) adminImport(w http.ResponseWriter, r *http.Request) {
	m := s.requireStaff(w, r, "admin")
	if m == nil {
		return
	}
	fail := func(status int, msg string) {
		s.renderAdmin(w, r, status, "admin-import", "Import trials", m,
			[]fieldError{{Field: "file", Href: "#file", Detail: msg}}, adminData{Section: "import"})
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		fail(http.StatusBadRequest, fmt.Sprintf("Select a file of ClinicalTrials.gov records smaller than %d MB", maxUpload>>20))
		return
	}
	defer r.MultipartForm.RemoveAll()
	file, hdr, err := r.FormFile("file")
	if err != nil {
		fail(http.StatusBadRequest, "Select a file of ClinicalTrials.gov records")
		return
	}
	defer file.Close()
	body, err := io.ReadAll(io.LimitReader(file, maxUpload+1))
	if err != nil || len(body) > maxUpload {
		fail(http.StatusBadRequest, fmt.Sprintf("The file must be smaller than %d MB; import large sets with equitrial import ctgov", maxUpload>>20))
		return
	}
	if len(bytes.TrimSpace(body)) == 0 {
		fail(http.StatusBadRequest, "The selected file is empty")
		return
	}
	res := s.callRaw(r, http.MethodPost, "/api/v1/trials/import", body)
	switch {
	case res.ok():
	case res.Status == http.StatusNotFound:
		fail(http.StatusServiceUnavailable, "Importing over the web is turned off on this server. Set EQUITRIAL_ADMIN_TOKEN to turn it on, or import with equitrial import ctgov")
		return
	case res.Status == http.StatusBadRequest || res.Status == http.StatusRequestEntityTooLarge:
		fail(res.Status, sentence(res.Problem.Detail))
		return
	default:
		s.failed(w, r, res)
		return
	}
	sum := importSummary{}
	res.decode(&sum)
	sum.File = hdr.Filename
	s.renderAdmin(w, r, http.StatusOK, "admin-import", "Import trials", m, nil, adminData{Section: "import", Import: &sum,
		Notice: fmt.Sprintf("%s: %d imported, %d updated, %d unchanged, %d rejected.", hdr.Filename, sum.Imported, sum.Updated, sum.Unchanged, sum.Rejected)})
}

// callRaw is call with a body sent as it is (an uploaded file), not as JSON.
func (s *Site) callRaw(r *http.Request, method, path string, body []byte) *apiResult {
	in, err := http.NewRequestWithContext(r.Context(), method, path, bytes.NewReader(body))
	if err != nil {
		return internalProblem()
	}
	in.Host, in.RemoteAddr = r.Host, r.RemoteAddr
	for _, h := range forwardedHeaders {
		if v := r.Header.Values(h); len(v) > 0 {
			in.Header[h] = v
		}
	}
	in.Header.Set("Content-Type", "application/octet-stream")
	in.Header.Set("Accept", "application/json")
	h := s.api.Load()
	if h == nil {
		return internalProblem()
	}
	rec := httptest.NewRecorder()
	(*h).ServeHTTP(rec, in)
	out := &apiResult{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	if out.Status >= 400 {
		if err := out.decode(&out.Problem); err != nil || out.Problem.Status == 0 {
			out.Problem = problem{Status: out.Status, Title: http.StatusText(out.Status)}
		}
	}
	return out
}
