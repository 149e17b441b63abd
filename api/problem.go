package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"equitrial"
)

// Problem is an RFC 9457 problem document. Errors lists the fields or parameters at
// fault, so a client (or a form) can point at each one.
type Problem struct {
	Type     string                 `json:"type"`
	Title    string                 `json:"title"`
	Status   int                    `json:"status"`
	Detail   string                 `json:"detail,omitempty"`
	Instance string                 `json:"instance,omitempty"`
	Errors   []equitrial.FieldError `json:"errors,omitempty"`
}

// statusOf is the one place where error kinds become HTTP status codes.
func statusOf(kind equitrial.Kind) int {
	switch kind {
	case equitrial.KindInvalid:
		return http.StatusBadRequest
	case equitrial.KindNotFound:
		return http.StatusNotFound
	case equitrial.KindForbidden:
		return http.StatusForbidden
	case equitrial.KindUnauthorized:
		return http.StatusUnauthorized
	case equitrial.KindConflict:
		return http.StatusConflict
	case equitrial.KindUnavailable:
		return http.StatusServiceUnavailable
	case equitrial.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case equitrial.KindTooMany:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// writeError answers with the problem document for err. Unexpected errors are logged
// with the request id and shown to the caller only as that id: their text may hold
// internal detail.
func writeError(c *gin.Context, err error) {
	status := statusOf(equitrial.KindOf(err))
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		status = http.StatusServiceUnavailable
	}
	p := Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Instance: c.Request.URL.Path}
	var e *equitrial.Error
	switch {
	case status >= 500:
		logFrom(c).Error("request failed", "error", err.Error())
		p.Detail = "Something went wrong on our side. Quote reference " + requestID(c) + " if you contact support."
	case errors.As(err, &e):
		p.Detail = e.Detail
		p.Errors = e.Fields
	default:
		p.Detail = err.Error()
	}
	if p.Detail == "" && len(p.Errors) > 0 {
		p.Detail = p.Errors[0].Field + ": " + p.Errors[0].Detail
	}
	c.Header("Content-Type", "application/problem+json")
	c.Header("Cache-Control", "no-store")
	c.AbortWithStatusJSON(status, p)
}

func logFrom(c *gin.Context) *slog.Logger {
	if l, ok := c.Get(loggerKey); ok {
		return l.(*slog.Logger)
	}
	return slog.Default()
}
