package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"equitrial"
	"equitrial/internal/csp"
)

// maxRequestBody is the largest body any route accepts (the trial import); routes
// with smaller bodies enforce their own lower limits when they read.
const maxRequestBody = maxImportBody

// securityHeaders sets the headers every response carries, and a fresh CSP nonce
// that pages use for any inline script or style.
func securityHeaders(c *gin.Context) {
	nonce := csp.NewNonce()
	c.Request = c.Request.WithContext(csp.WithNonce(c.Request.Context(), nonce))
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", csp.Policy(nonce))
	h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer") // patient private links must not leak in Referer
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
	// Nothing is stored by browsers or shared caches unless a handler says so (the
	// static assets do): token lists, the audit log, one-time passwords, private
	// links and patient records must never outlive the response.
	h.Set("Cache-Control", "no-store")
	if c.Request.ContentLength > maxRequestBody {
		writeError(c, equitrial.Errorf(equitrial.KindTooLarge, "the request body is larger than %d MB", maxRequestBody>>20))
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxRequestBody)
	c.Next()
}

// crossOriginDenied answers a request that http.CrossOriginProtection refused: a
// state-changing request sent by another site's page (cross-site request forgery).
var crossOriginDenied = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusForbidden)
	w.Write([]byte(`{"type":"about:blank","title":"Forbidden","status":403,"detail":"this request came from another site and was refused (cross-site request forgery protection)"}`))
})
