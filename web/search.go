package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"equitrial"
	"equitrial/matcher"
)

// searchForm is what the nurse typed, kept to fill the form in again.
type searchForm struct {
	Q, Condition, Age, Sex string
	Recruiting             bool
}

type searchPage struct {
	Form    searchForm
	Results *matcher.Results
	Errors  []equitrial.FieldError
	Prev    string
	Next    string
	Pages   int
	Page    int
	First   int
	Last    int
}

func (s *site) search(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	form := searchForm{Q: v.Get("q"), Condition: v.Get("condition"), Age: v.Get("age"), Sex: v.Get("sex"),
		Recruiting: v.Get("recruiting") != "no"}
	page := searchPage{Form: form}
	q := matcher.Query{Text: strings.TrimSpace(form.Q), Condition: strings.TrimSpace(form.Condition), Size: 10}
	if form.Recruiting {
		q.Status = []string{"RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION"}
	}
	if form.Age != "" {
		age, err := strconv.ParseFloat(strings.TrimSpace(form.Age), 64)
		if err != nil || age < 0 || age > 130 {
			page.Errors = append(page.Errors, equitrial.FieldError{Field: "age", Detail: "Enter age as a number of years, like 54"})
		} else {
			q.Age = &age
		}
	}
	switch form.Sex {
	case "":
	case "female", "male":
		q.Sex = strings.ToUpper(form.Sex)
	default:
		page.Errors = append(page.Errors, equitrial.FieldError{Field: "sex", Detail: "Select female, male or any"})
	}
	if p, err := strconv.Atoi(v.Get("page")); err == nil && p > 0 && p <= 1000 {
		q.Page = p
	}
	if len(page.Errors) > 0 {
		s.render(w, r, http.StatusBadRequest, "search", page)
		return
	}
	res, err := s.Catalog.Index.Search(r.Context(), q)
	if err != nil {
		s.Log.Error("search page", "error", err.Error())
		s.render(w, r, http.StatusInternalServerError, "error", errorPage{Title: "Sorry, there is a problem with the service", Message: "Try again later."})
		return
	}
	page.Results = res
	page.Page = res.Page
	page.Pages = int((res.Total + uint64(res.Size) - 1) / uint64(res.Size))
	page.First = (res.Page-1)*res.Size + 1
	page.Last = page.First + len(res.Hits) - 1
	if res.Page > 1 {
		page.Prev = pageURL(v, res.Page-1)
	}
	if res.Page < page.Pages {
		page.Next = pageURL(v, res.Page+1)
	}
	s.render(w, r, http.StatusOK, "search", page)
}

func pageURL(v url.Values, page int) string {
	c := url.Values{}
	for k, vals := range v {
		c[k] = vals
	}
	c.Set("page", strconv.Itoa(page))
	return "/?" + c.Encode()
}

func (s *site) trial(w http.ResponseWriter, r *http.Request) {
	t, err := s.Catalog.Store.Get(r.Context(), r.PathValue("nctId"))
	if equitrial.Is(equitrial.KindNotFound, err) {
		s.render(w, r, http.StatusNotFound, "error", errorPage{Title: "Trial not found",
			Message: "We could not find a trial with that ID. Check the NCT number, or search for the trial."})
		return
	}
	if err != nil {
		s.Log.Error("trial page", "error", err.Error())
		s.render(w, r, http.StatusInternalServerError, "error", errorPage{Title: "Sorry, there is a problem with the service", Message: "Try again later."})
		return
	}
	t.Raw = nil
	s.render(w, r, http.StatusOK, "trial", t)
}
