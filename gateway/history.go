package gateway

import (
	"net/url"

	"github.com/junction-run/junction/intake"
)

// historyURL is the Temporal UI's page of a run's history, where support
// staff read what the run did step by step; "" when the gateway knows no
// UI (Config.TemporalUIURL). Workflow ids hold "/": each part is escaped
// as one path segment, as the UI's own links do.
func (g *Gateway) historyURL(workflowID, runID string) string {
	if g.temporalUI == "" || workflowID == "" {
		return ""
	}
	u := g.temporalUI + "/namespaces/" + url.PathEscape(g.namespace) + "/workflows/" + url.PathEscape(workflowID)
	if runID == "" {
		return u
	}
	return u + "/" + url.PathEscape(runID) + "/history"
}

// linkRuns fills in the history links of the runs an event started or
// resumed, for the API's answer. Third parties' webhook deliveries are
// answered without them: the UI is for support staff, not for the sender.
func (g *Gateway) linkRuns(res *intake.Result) {
	for _, list := range [][]intake.Run{res.Runs, res.Resumed} {
		for i := range list {
			list[i].HistoryURL = g.historyURL(list[i].TemporalWorkflowID, list[i].RunID)
		}
	}
}
