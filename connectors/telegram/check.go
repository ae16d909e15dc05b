package telegram

import (
	"context"

	"github.com/junction-run/junction/connectors"
)

// check calls getMe, which answers the bot itself for a valid token and
// 401 Unauthorized otherwise.
func check(ctx context.Context, call connectors.Call) error {
	var me struct {
		ID int64 `json:"id"`
	}
	return callMethod(ctx, call, "getMe", struct{}{}, &me)
}
