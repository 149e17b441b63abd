package api

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// OpenAPI is the OpenAPI 3.1 description of every route in routes.go, with the
// roles that may call each (x-roles). The tests check that it describes exactly the
// routes of the table, with the same roles, and validate every request and
// response of the API tests against it.
//
//go:embed openapi.yaml
var OpenAPI []byte

// openAPI serves the description.
func (s *Server) openAPI(c *gin.Context) error {
	c.Header("Cache-Control", "public, max-age=300")
	c.Data(http.StatusOK, "application/yaml", OpenAPI)
	return nil
}
