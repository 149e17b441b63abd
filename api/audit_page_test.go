package api_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"equitrial/store"
)

// The audit log pages and says how many entries match, so the administrator's
// page can reach the oldest entry; bad paging parameters are named.
func TestAuditPages(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	base := time.Now().Add(-time.Hour).UTC()
	for i := range 7 {
		if err := s.db.Audit.Append(ctx, store.AuditEntry{At: base.Add(time.Duration(i) * time.Minute), ActorRole: "nurse", ActorID: "u_paging",
			Action: "read", Subject: "patient", SubjectID: "pt_" + strconv.Itoa(i), Method: "GET", Route: "/api/v1/patients/:id", Status: 200}); err != nil {
			t.Fatal(err)
		}
	}
	var out struct {
		Entries     []store.AuditEntry
		Total, Page int
		Size        int
	}
	if code := s.do(http.MethodGet, "/api/v1/audit?actorId=u_paging&size=3&page=3", adminToken, nil, &out); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	if out.Total != 7 || out.Page != 3 || out.Size != 3 || len(out.Entries) != 1 || out.Entries[0].SubjectID != "pt_0" {
		t.Errorf("page 3 of 3: %+v", out)
	}
	if code := s.do(http.MethodGet, "/api/v1/audit?actorId=u_paging&limit=2", adminToken, nil, &out); code != http.StatusOK ||
		len(out.Entries) != 2 || out.Entries[0].SubjectID != "pt_6" {
		t.Errorf("limit (the old name of size): %d %+v", code, out)
	}
	var p problem
	if code := s.do(http.MethodGet, "/api/v1/audit?page=0&size=5000", adminToken, nil, &p); code != http.StatusBadRequest || len(p.Errors) != 2 {
		t.Errorf("bad paging: %d %+v", code, p)
	}
}
