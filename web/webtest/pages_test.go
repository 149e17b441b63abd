package webtest

import "testing"

// One route is one page to check: ids, NCT numbers and private-link tokens are
// replaced; words are not.
func TestRoute(t *testing.T) {
	for path, want := range map[string]string{
		"/patients/pt_gzp7tautbfedtlb7tksm":                      "/patients/{id}",
		"/patients/pt_gzp7tautbfedtlb7tksm/answers/all":          "/patients/{id}/answers/all",
		"/trials/NCT99000007/equity":                             "/trials/{nctId}/equity",
		"/my/ptl_njCC1tlT3RuuRFkwmH2XG8_rW2Q/withdraw":           "/my/{token}/withdraw",
		"/admin/users/u_a2217187eb21bb6a197af945/reset-password": "/admin/users/{id}/reset-password",
		"/admin/users":     "/admin/users",
		"/patients/new":    "/patients/new",
		"/sign-in":         "/sign-in",
		"/":                "/",
		"/admin/audit_log": "/admin/audit_log",
	} {
		if got := Route(path); got != want {
			t.Errorf("Route(%q) = %q, want %q", path, got, want)
		}
	}
}
