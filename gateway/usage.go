package gateway

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// usage is 8x8's usage object for the current month (8x8's schema says an
// array, its example and its clients use one object; Junction answers the
// object). Counts come from Temporal's visibility store.
type usage struct {
	AccountID             string `json:"accountId"`
	ExecutedWorkflowCount int64  `json:"executedWorkflowCount"`
	CountStartedMonth     int    `json:"countStartedMonth"`
	CountStartedYear      int    `json:"countStartedYear"`
}

// usageMonth is one item of 8x8's usage history.
type usageMonth struct {
	ID                    string `json:"id"`
	AccountID             string `json:"accountId"`
	ExecutedWorkflowCount int64  `json:"executedWorkflowCount"`
	Month                 int    `json:"month"`
	Year                  int    `json:"year"`
}

// usageHistoryMonths is how far back usage/history looks.
const usageHistoryMonths = 12

func (g *Gateway) usage(c *gin.Context) error {
	accountID := c.Param("accountId")
	start := monthStart(g.now().UTC())
	n, err := g.runs.Count(c.Request.Context(), accountID, start, start.AddDate(0, 1, 0))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, usage{AccountID: accountID, ExecutedWorkflowCount: n,
		CountStartedMonth: int(start.Month()), CountStartedYear: start.Year()})
	return nil
}

// usageHistory counts runs per month, newest first, for the last 12 months
// (this one included).
func (g *Gateway) usageHistory(c *gin.Context) error {
	accountID := c.Param("accountId")
	start := monthStart(g.now().UTC())
	out := make([]usageMonth, 0, usageHistoryMonths)
	for i := 0; i < usageHistoryMonths; i++ {
		from := start.AddDate(0, -i, 0)
		n, err := g.runs.Count(c.Request.Context(), accountID, from, from.AddDate(0, 1, 0))
		if err != nil {
			return err
		}
		out = append(out, usageMonth{ID: fmt.Sprintf("%s-%04d-%02d", accountID, from.Year(), from.Month()),
			AccountID: accountID, ExecutedWorkflowCount: n, Month: int(from.Month()), Year: from.Year()})
	}
	c.JSON(http.StatusOK, out)
	return nil
}

func monthStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}
