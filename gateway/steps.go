package gateway

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/junction-run/junction/definition"
)

// timeZones lists the time-zone ids expression functions accept, filtered by
// ?contains= (case-insensitive, on the name and the id).
func (g *Gateway) timeZones(c *gin.Context) error {
	needle := strings.ToLower(c.Query("contains"))
	out := []definition.TimeZone{}
	for _, tz := range definition.TimeZones() {
		if needle == "" || strings.Contains(strings.ToLower(tz.Name), needle) || strings.Contains(strings.ToLower(tz.ID), needle) {
			out = append(out, tz)
		}
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// functions lists the functions Junction really provides to expressions.
func (g *Gateway) functions(c *gin.Context) error {
	c.JSON(http.StatusOK, definition.Functions())
	return nil
}
