package shopify

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/junction-run/junction/connectors"
)

// SetInventoryLevelInput is the input of set_inventory_level.
type SetInventoryLevelInput struct {
	LocationID            int64 `json:"location_id" description:"The location."`
	InventoryItemID       int64 `json:"inventory_item_id" description:"The inventory item: a variant's inventory_item_id."`
	Available             int   `json:"available" description:"The quantity available at the location from now on."`
	DisconnectIfNecessary bool  `json:"disconnect_if_necessary,omitempty" description:"Disconnect the item from a location of a fulfillment service that does not allow it to be stocked elsewhere."`
}

// InventoryLevel is the quantity of an item at a location: the output of
// set_inventory_level.
type InventoryLevel struct {
	InventoryItemID   int64     `json:"inventory_item_id" description:"The inventory item."`
	LocationID        int64     `json:"location_id" description:"The location."`
	Available         int       `json:"available" description:"The quantity available."`
	UpdatedAt         time.Time `json:"updated_at,omitzero" description:"When the level last changed."`
	AdminGraphQLAPIID string    `json:"admin_graphql_api_id,omitempty" description:"The level's GraphQL id."`
}

func setInventoryLevel() *connectors.Func[SetInventoryLevelInput, InventoryLevel] {
	return connectors.NewAction(connectors.ActionSpec{
		ID:   "set_inventory_level",
		Name: "Set inventory level",
		Kind: connectors.ActionUpdate,
		Description: "Sets the quantity of an inventory item available at a location (POST /inventory_levels/set.json), " +
			"connecting the item to the location if it is not yet. Setting the same quantity twice has the effect of once.",
		Idempotent:  true,
		SampleInput: json.RawMessage(`{"location_id": 655441491, "inventory_item_id": 808950810, "available": 42}`),
	}, runSetInventoryLevel)
}

func runSetInventoryLevel(ctx context.Context, call connectors.Call, in SetInventoryLevelInput) (InventoryLevel, error) {
	if in.LocationID <= 0 || in.InventoryItemID <= 0 {
		return InventoryLevel{}, connectors.Errorf(connectors.BadRequest, "location_id and inventory_item_id must be ids")
	}
	c, err := newClient(call)
	if err != nil {
		return InventoryLevel{}, err
	}
	var out struct {
		InventoryLevel InventoryLevel `json:"inventory_level"`
	}
	if _, err := c.do(ctx, "setting inventory level", http.MethodPost, c.url("/inventory_levels/set.json", nil), in, &out); err != nil {
		return InventoryLevel{}, err
	}
	return out.InventoryLevel, nil
}
