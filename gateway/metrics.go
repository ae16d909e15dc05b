package gateway

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/junction-run/junction/metrics"
)

// requestMetrics records every request under its route's template
// (Gin's FullPath, "/api/v1/accounts/:accountId/definitions/:definitionId"),
// never its path, whose ids would make a series per account and per
// object. It runs outside recover, so a panic is counted as the 500 it
// is answered with.
func requestMetrics(m *metrics.Metrics) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		m.GatewayRequest(c.FullPath(), c.Request.Method, c.Writer.Status(), time.Since(start))
	}
}
