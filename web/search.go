package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// searchForm is what the user typed, kept to fill the form in again.
type searchForm struct {
	Q, Condition, Age, Sex, Near, Radius string
	Recruiting                           bool
}

// searchResults is GET /api/v1/trials.
type searchResults struct {
	Total uint64 `json:"total"`
	Page  int    `json:"page"`
	Size  int    `json:"size"`
	Hits  []struct {
		NCTID      string              `json:"nctId"`
		Title      string              `json:"title"`
		Status     string              `json:"status"`
		Phases     []string            `json:"phases"`
		Highlights map[string][]string `json:"highlights"`
		Conditions []string            `json:"conditions"`
		Sponsor    string              `json:"sponsor"`
		MinimumAge string              `json:"minimumAge"`
		MaximumAge string              `json:"maximumAge"`
		DistanceKm *float64            `json:"distance_km"`
	} `json:"hits"`
}

type searchData struct {
	Form    searchForm
	Results *searchResults
	Prev    string
	Next    string
	Pages   int
	Page    int
	First   int
	Last    int
}

// searchFields are where the API's parameter errors show on the form.
var searchFields = map[string]fieldMsg{
	"q":         {ID: "q", Subject: "Search words"},
	"condition": {ID: "condition", Subject: "Condition"},
	"age":       {ID: "age", Msg: "Enter age as a number of years, like 54"},
	"sex":       {ID: "sex", Msg: "Select female, male or any"},
	"near":      {ID: "near", Msg: "Enter a full UK postcode, like LS1 4AP"},
	"radius_km": {ID: "radius", Msg: "Enter a distance in miles, like 25"},
}

func (s *Site) search(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	f := searchForm{Q: v.Get("q"), Condition: v.Get("condition"), Age: v.Get("age"), Sex: v.Get("sex"),
		Near: v.Get("near"), Radius: v.Get("radius"), Recruiting: v.Get("recruiting") != "no"}
	d := searchData{Form: f}
	p := page{Title: "Find a clinical trial", Me: s.whoMaybe(w, r), D: &d}

	q := url.Values{"size": {"10"}}
	set := func(k, val string) {
		if val = strings.TrimSpace(val); val != "" {
			q.Set(k, val)
		}
	}
	set("q", f.Q)
	set("condition", f.Condition)
	set("age", f.Age)
	set("sex", f.Sex)
	set("near", f.Near)
	if f.Recruiting {
		q["status"] = []string{"RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION"}
	}
	if strings.TrimSpace(f.Near) != "" {
		miles := 25.0
		if f.Radius != "" {
			m, err := strconv.ParseFloat(strings.TrimSpace(f.Radius), 64)
			if err != nil || m <= 0 || m > 1000 {
				p.Errors = append(p.Errors, fieldError{Field: "radius", Href: "#radius", Detail: "Enter a distance in miles, like 25"})
			}
			miles = m
		}
		q.Set("radius_km", strconv.FormatFloat(miles*1.609344, 'f', 1, 64))
	}
	if n, err := strconv.Atoi(v.Get("page")); err == nil && n > 1 && n <= 1000 {
		q.Set("page", strconv.Itoa(n))
	}
	if len(p.Errors) > 0 {
		s.render(w, r, http.StatusBadRequest, "search", p)
		return
	}
	var res searchResults
	out := s.get(w, r, "/api/v1/trials?"+q.Encode(), &res, callOpts{})
	if out.Status == http.StatusBadRequest {
		p.Errors = mapErrors(out.Problem, searchFields)
		s.render(w, r, http.StatusBadRequest, "search", p)
		return
	}
	if !out.ok() {
		s.failed(w, r, out)
		return
	}
	d.Results = &res
	if res.Size > 0 {
		d.Page = res.Page
		d.Pages = int((res.Total + uint64(res.Size) - 1) / uint64(res.Size))
		d.First = (res.Page-1)*res.Size + 1
		d.Last = d.First + len(res.Hits) - 1
		if res.Page > 1 {
			d.Prev = pageURL(v, res.Page-1)
		}
		if res.Page < d.Pages {
			d.Next = pageURL(v, res.Page+1)
		}
	}
	s.render(w, r, http.StatusOK, "search", p)
}

func pageURL(v url.Values, page int) string {
	c := url.Values{}
	for k, vals := range v {
		c[k] = vals
	}
	c.Set("page", strconv.Itoa(page))
	return "/?" + c.Encode()
}
