package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"equitrial"
	"equitrial/internal/password"
	"equitrial/store"
)

// Administrators' account operations beyond creating one (auth.go): list, disable
// or enable, and reset a password. A disabled account cannot sign in and its
// sessions end at once; a reset password is a new one-time password, shown once,
// that must be changed at the next sign-in, and it too ends every session.

func (s *Server) listUsers(c *gin.Context) error {
	users, err := s.Auth.Users.List(c.Request.Context())
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"users": users})
	return nil
}

type patchUserRequest struct {
	Disabled *bool `json:"disabled"`
}

func (s *Server) patchUser(c *gin.Context) error {
	var req patchUserRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Disabled == nil {
		return equitrial.Invalid("", equitrial.FieldError{Field: "disabled", Detail: "must be true or false"})
	}
	ctx := c.Request.Context()
	id := c.Param("id")
	if *req.Disabled && id == callerOf(c).UserID {
		return equitrial.Invalid("", equitrial.FieldError{Field: "disabled", Detail: "you cannot disable your own account"})
	}
	if err := s.Auth.Users.SetDisabled(ctx, id, *req.Disabled); err != nil {
		return err
	}
	if *req.Disabled {
		if _, err := s.Auth.Sessions.DeleteForUser(ctx, id); err != nil {
			return err
		}
	}
	u, err := s.Auth.Users.ByID(ctx, id)
	if err != nil {
		return err
	}
	logFrom(c).Info("account changed", "user", id, "disabled", *req.Disabled)
	c.JSON(http.StatusOK, u)
	return nil
}

func (s *Server) resetPassword(c *gin.Context) error {
	ctx := c.Request.Context()
	id := c.Param("id")
	u, err := s.Auth.Users.ByID(ctx, id)
	if err != nil {
		return err
	}
	pw := password.OneTime()
	hash, err := password.Hash(pw)
	if err != nil {
		return err
	}
	if err := s.Auth.Users.SetPassword(ctx, id, hash, true); err != nil {
		return err
	}
	if _, err := s.Auth.Sessions.DeleteForUser(ctx, id); err != nil {
		return err
	}
	logFrom(c).Info("password reset", "user", id)
	c.JSON(http.StatusOK, gin.H{"user": u.ID, "email": u.Email, "oneTimePassword": pw})
	return nil
}

// refdataStatus says which reference data (postcode directory, deprivation index)
// is loaded: its edition, row counts and when, and whether this process holds it.
func (s *Server) refdataStatus(c *gin.Context) error {
	out := gin.H{"loaded": false, "inUse": s.Reference != nil && s.Reference() != nil}
	if s.Equity.DB != nil {
		m, err := s.Equity.DB.RefData.Manifest(c.Request.Context())
		if err != nil {
			return err
		}
		if m != nil {
			out["loaded"] = true
			out["manifest"] = struct {
				*store.RefManifest
				Columns any `json:"columns,omitempty"`
				Blobs   any `json:"blobs,omitempty"`
			}{RefManifest: m}
		}
	}
	c.JSON(http.StatusOK, out)
	return nil
}
