package api

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"equitrial"
	"equitrial/ctgov"
)

// maxImportBody bounds an import request; larger sets go through the CLI.
const maxImportBody = 64 << 20

func (s *Server) searchTrials(c *gin.Context) error {
	q, err := parseSearch(c.Request.URL.Query(), s.reference())
	if err != nil {
		return err
	}
	res, err := s.Catalog.Index.Search(c.Request.Context(), q)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, res)
	return nil
}

func (s *Server) getTrial(c *gin.Context) error {
	id := c.Param("nctId")
	if err := checkNCTID(id); err != nil {
		return err
	}
	t, err := s.Catalog.Store.Get(c.Request.Context(), id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, t)
	return nil
}

// importTrials takes a study, an array, an API page or NDJSON in the body and
// answers with the import summary, bad records listed by position.
func (s *Server) importTrials(c *gin.Context) error {
	if s.AdminToken == "" {
		return equitrial.Errorf(equitrial.KindNotFound, "importing over HTTP is disabled: set EQUITRIAL_ADMIN_TOKEN to enable it")
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxImportBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return equitrial.Errorf(equitrial.KindTooLarge, "the request body is larger than %d MB; import large sets with `equitrial import ctgov`", maxImportBody>>20)
	}
	if err != nil {
		return equitrial.Errorf(equitrial.KindInvalid, "could not read the request body")
	}
	sum, err := s.Catalog.Import(c.Request.Context(), func(each func(ctgov.Record) error) error {
		return ctgov.Read("request body", bytes.NewReader(body), each)
	}, nil)
	if err != nil {
		return err
	}
	logFrom(c).Info("trials imported", "imported", sum.Imported, "updated", sum.Updated, "unchanged", sum.Unchanged, "rejected", sum.Rejected)
	c.JSON(http.StatusOK, sum)
	return nil
}

func validNCTID(id string) bool { return ctgov.ValidNCTID(id) }

// checkNCTID is the 400 for a path id that cannot be a trial.
func checkNCTID(id string) error {
	if !validNCTID(id) {
		return equitrial.Invalid("", equitrial.FieldError{Field: "nctId", Detail: "must be NCT followed by 8 digits, such as NCT04280705"})
	}
	return nil
}

func itoa(i int) string { return strconv.Itoa(i) }
