package shopify

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"time"

	"github.com/junction-run/junction/connectors"
)

// Variant is a product variant.
type Variant struct {
	ID                int64  `json:"id" description:"Shopify's id for the variant."`
	ProductID         int64  `json:"product_id,omitempty" description:"The variant's product."`
	Title             string `json:"title,omitempty" description:"The variant's title, e.g. Pink / Large."`
	SKU               string `json:"sku,omitempty" description:"The stock keeping unit."`
	Price             string `json:"price,omitempty" description:"The price, as a decimal string."`
	InventoryItemID   int64  `json:"inventory_item_id,omitempty" description:"The variant's inventory item, for set_inventory_level."`
	InventoryQuantity int    `json:"inventory_quantity,omitempty" description:"The quantity available across locations."`
}

// Product is a Shopify product.
type Product struct {
	ID          int64     `json:"id" description:"Shopify's id for the product."`
	Title       string    `json:"title" description:"The product's title."`
	Handle      string    `json:"handle,omitempty" description:"The product's URL handle."`
	Vendor      string    `json:"vendor,omitempty" description:"The product's vendor."`
	ProductType string    `json:"product_type,omitempty" description:"The product's type."`
	Status      string    `json:"status,omitempty" description:"active, archived or draft."`
	Tags        string    `json:"tags,omitempty" description:"The product's tags, comma-separated."`
	Variants    []Variant `json:"variants,omitempty" description:"The product's variants."`
	CreatedAt   time.Time `json:"created_at,omitzero" description:"When the product was created."`
	UpdatedAt   time.Time `json:"updated_at,omitzero" description:"When the product was last changed."`
}

// SearchProductsInput is the input of search_products.
type SearchProductsInput struct {
	Title       string `json:"title,omitempty" description:"Only products whose title contains this."`
	Vendor      string `json:"vendor,omitempty" description:"Only products of this vendor."`
	ProductType string `json:"product_type,omitempty" description:"Only products of this type."`
	Status      string `json:"status,omitempty" enum:"active,archived,draft" description:"Only products with this status; all when not given."`
	SinceID     int64  `json:"since_id,omitempty" description:"Only products with a greater id."`
	Limit       int    `json:"limit,omitempty" description:"Products per page, 1 to 250; 50 when not given."`
	MaxPages    int    `json:"max_pages,omitempty" description:"Pages to fetch by following the Link header, 1 to 100; 1 when not given."`
	PageInfo    string `json:"page_info,omitempty" description:"Continue a search from the next_page_info an earlier search returned; the filters are then those of that search and must not be given again."`
}

// SearchProductsOutput is the output of search_products.
type SearchProductsOutput struct {
	Products     []Product `json:"products" description:"The products found, in Shopify's order."`
	Pages        int       `json:"pages" description:"How many pages were fetched."`
	NextPageInfo string    `json:"next_page_info,omitempty" description:"Where the next page starts, if there are more products than were fetched; pass it as page_info."`
}

func searchProducts() *connectors.Func[SearchProductsInput, SearchProductsOutput] {
	return connectors.NewAction(connectors.ActionSpec{
		ID:   "search_products",
		Name: "Search products",
		Kind: connectors.ActionSearch,
		Description: "Lists products matching the filters (GET /products.json), following the Link header's next " +
			"pages up to max_pages.",
		Idempotent:  true,
		SampleInput: json.RawMessage(`{"title": "IPod", "vendor": "Apple", "limit": 50}`),
	}, runSearchProducts)
}

func runSearchProducts(ctx context.Context, call connectors.Call, in SearchProductsInput) (SearchProductsOutput, error) {
	if err := checkPaging(in.Limit, in.MaxPages); err != nil {
		return SearchProductsOutput{}, err
	}
	q := url.Values{}
	if in.PageInfo != "" {
		if in.Title != "" || in.Vendor != "" || in.ProductType != "" || in.Status != "" || in.SinceID != 0 {
			return SearchProductsOutput{}, connectors.Errorf(connectors.BadRequest, "page_info continues an earlier search: give only limit and max_pages with it")
		}
		q.Set("page_info", in.PageInfo)
	}
	setQ(q, "title", in.Title)
	setQ(q, "vendor", in.Vendor)
	setQ(q, "product_type", in.ProductType)
	setQ(q, "status", in.Status)
	if in.SinceID != 0 {
		q.Set("since_id", strconv.FormatInt(in.SinceID, 10))
	}
	q.Set("limit", strconv.Itoa(cmpOr(in.Limit, defaultLimit)))
	c, err := newClient(call)
	if err != nil {
		return SearchProductsOutput{}, err
	}
	out := SearchProductsOutput{Products: []Product{}}
	out.Pages, out.NextPageInfo, err = c.list(ctx, "searching products", c.url("/products.json", q), in.MaxPages, func(raw []byte) error {
		var page struct {
			Products []Product `json:"products"`
		}
		if err := json.Unmarshal(raw, &page); err != nil {
			return err
		}
		out.Products = append(out.Products, page.Products...)
		return nil
	})
	if err != nil {
		return SearchProductsOutput{}, err
	}
	return out, nil
}
