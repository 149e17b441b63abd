package web

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// "New since your last visit" on a patient's matches. The browser keeps, in one
// cookie, when this browser's user last looked at each of their most recent
// patients (opaque record ids and times, nothing else): the API's ?since= marks a
// match first seen after then as new. A visit lasts while the page is reopened
// within visitGap (answering questions, recording events), so the tags stay put
// during one sitting and clear at the next.

const (
	visitsCookie  = "equitrial_visits"
	visitGap      = 30 * time.Minute
	maxVisitsKept = 40
)

// visit is one patient's: since (the previous sitting's last view, the reference
// for "new") and last (the latest view in this sitting).
type visit struct {
	since, last int64
}

func readVisits(r *http.Request) map[string]visit {
	out := map[string]visit{}
	c, err := r.Cookie(visitsCookie)
	if err != nil {
		return out
	}
	for _, part := range strings.Split(c.Value, "|") {
		f := strings.Split(part, ".")
		if len(f) != 3 || f[0] == "" || len(f[0]) > 64 {
			continue
		}
		since, err1 := strconv.ParseInt(f[1], 36, 64)
		last, err2 := strconv.ParseInt(f[2], 36, 64)
		if err1 == nil && err2 == nil {
			out[f[0]] = visit{since, last}
		}
	}
	return out
}

// seePatient records a view of patient id now and returns the time matches are new
// since (zero on the first visit: nothing is marked new then).
func seePatient(w http.ResponseWriter, r *http.Request, id string, now time.Time) time.Time {
	if strings.ContainsAny(id, ".| ;,\"") || id == "" {
		return time.Time{}
	}
	vs := readVisits(r)
	v, seen := vs[id]
	switch {
	case !seen:
		v = visit{since: 0, last: now.Unix()}
	case now.Unix()-v.last > int64(visitGap/time.Second):
		v = visit{since: v.last, last: now.Unix()}
	default:
		v.last = now.Unix()
	}
	vs[id] = v
	ids := make([]string, 0, len(vs))
	for k := range vs {
		ids = append(ids, k)
	}
	sort.Slice(ids, func(i, j int) bool { return vs[ids[i]].last > vs[ids[j]].last })
	if len(ids) > maxVisitsKept {
		ids = ids[:maxVisitsKept]
	}
	parts := make([]string, len(ids))
	for i, k := range ids {
		parts[i] = k + "." + strconv.FormatInt(vs[k].since, 36) + "." + strconv.FormatInt(vs[k].last, 36)
	}
	http.SetCookie(w, &http.Cookie{Name: visitsCookie, Value: strings.Join(parts, "|"), Path: "/patients",
		MaxAge: 180 * 24 * 3600, HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
	if v.since == 0 {
		return time.Time{}
	}
	return time.Unix(v.since, 0)
}
