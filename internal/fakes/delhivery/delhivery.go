// Package delhivery fakes the parts of Delhivery's Express (B2C) API that
// the Delhivery app (examples/apps/delhivery) and the e-commerce examples
// use, in memory (https://delhivery-express-api-doc.readme.io):
//
//   - GET /api/v1/packages/json/?waybill=A,B (or ref_ids=) tracks packages,
//     answering {"ShipmentData": [{"Shipment": {...}}]};
//   - POST /api/cmu/create.json creates shipments from a form body
//     format=json&data=<JSON>, giving each a waybill;
//   - scan pushes ("Tracking via Push API / webhook"): every scan of a
//     package is posted to the subscribed URLs as
//     {"Shipment": {"Status": {...}, "PickUpDate", "NSLCode", "Sortcode",
//     "ReferenceNo", "AWB"}}, with the headers agreed with Delhivery (an
//     Authorization header, typically).
//
// Requests authenticate with Authorization: Token <API token>. Delhivery
// documents no error bodies; the fake answers {"success": false,
// "error": "..."} with the status, and 429 with Retry-After when told to
// fail.
//
// Besides the API, it serves the control routes of package control and:
//
//	POST /_fake/packages  {"waybill", "reference", "consignee"}  manifest a package (as a shipper's system does)
//	GET  /_fake/packages/{waybill}                              the package and its scans
//	POST /_fake/packages/{waybill}/scans  {"status", "statusType", "location", "instructions"}
//	                                                            scan it: push the scan to the "scan" subscribers
package delhivery

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/internal/fakes/control"
)

// Token is the API token the fake accepts.
const Token = "delhivery-fake-api-token"

// EventScan is the event every scan push belongs to: Delhivery has one
// push endpoint per client, for every scan of every package.
const EventScan = "scan"

// Seeded data: the examples of Delhivery's documentation.
const (
	// SeededWaybill is a package manifested and in transit, with the
	// waybill of Eshopbox's update-status example (the Eshopbox fake's
	// seeded shipment).
	SeededWaybill = "1704610028453"
	// SeededReference is its order id.
	SeededReference = "OD119208447831346001"
)

// Status is a package's latest status, as tracking and pushes carry it.
type Status struct {
	Status         string `json:"Status"`
	StatusType     string `json:"StatusType"`
	StatusDateTime string `json:"StatusDateTime"`
	StatusLocation string `json:"StatusLocation"`
	Instructions   string `json:"Instructions"`
}

// Scan is one scan of a package.
type Scan struct {
	ScanDetail struct {
		Scan            string `json:"Scan"`
		ScanType        string `json:"ScanType"`
		ScanDateTime    string `json:"ScanDateTime"`
		ScannedLocation string `json:"ScannedLocation"`
		Instructions    string `json:"Instructions"`
		StatusDateTime  string `json:"StatusDateTime"`
		StatusCode      string `json:"StatusCode,omitempty"`
	} `json:"ScanDetail"`
}

// Package is a shipment as the fake keeps it.
type Package struct {
	AWB         string `json:"AWB"`
	ReferenceNo string `json:"ReferenceNo"`
	Consignee   string `json:"Consignee"`
	Status      Status `json:"Status"`
	PickUpDate  string `json:"PickUpDate"`
	Scans       []Scan `json:"Scans"`
	// scanned is the time of the latest scan: a package's scans are
	// never at the same millisecond, so that its statuses' times tell
	// them apart, as they do at Delhivery.
	scanned time.Time
}

// Fake is the fake Delhivery: an http.Handler with its state in memory.
type Fake struct {
	*connectortest.Server
	hooks   *control.Hooks
	control *control.API

	mu       sync.Mutex
	next     int64
	packages []*Package
}

// New returns a fake seeded with package SeededWaybill, in transit.
func New() *Fake {
	f := &Fake{hooks: control.NewHooks(), next: 1_800_000_000_001}
	p := &Package{AWB: SeededWaybill, ReferenceNo: SeededReference, Consignee: "Sakib Malik"}
	at := time.Date(2026, 3, 1, 9, 10, 42, 0, ist)
	p.scan("Manifested", "UD", "Gurgaon_Bilaspur_HB (Haryana)", "Manifest uploaded", at)
	p.PickUpDate = stamp(at)
	p.scan("In Transit", "UD", "GGN_DPC (Haryana)", "Shipment picked up", at.Add(5*time.Hour))
	f.packages = append(f.packages, p)
	f.Server = connectortest.NewHandler(f.serve, writeFailure)
	f.control = control.NewAPI(f.hooks, &f.Server.Failures)
	f.control.Handle("POST /_fake/packages", f.manifestRoute)
	f.control.Handle("GET /_fake/packages/{waybill}", f.getPackage)
	f.control.Handle("POST /_fake/packages/{waybill}/scans", f.scanRoute)
	return f
}

// ist is India Standard Time, in which Delhivery writes its times.
var ist = time.FixedZone("IST", 5*3600+1800)

// stamp writes t as Delhivery does: local time without an offset, with
// milliseconds.
func stamp(t time.Time) string { return t.In(ist).Format("2006-01-02T15:04:05.000") }

func (p *Package) scan(status, statusType, location, instructions string, at time.Time) {
	at = at.Truncate(time.Millisecond)
	if !at.After(p.scanned) {
		at = p.scanned.Add(time.Millisecond)
	}
	p.scanned = at
	p.Status = Status{Status: status, StatusType: statusType, StatusDateTime: stamp(at), StatusLocation: location, Instructions: instructions}
	var s Scan
	s.ScanDetail.Scan, s.ScanDetail.ScanType, s.ScanDetail.ScanDateTime = status, statusType, stamp(at)
	s.ScanDetail.ScannedLocation, s.ScanDetail.Instructions, s.ScanDetail.StatusDateTime = location, instructions, stamp(at)
	p.Scans = append(p.Scans, s)
}

func (p *Package) clone() Package {
	c := *p
	c.Scans = slices.Clone(p.Scans)
	return c
}

// Close stops the deliveries still being retried.
func (f *Fake) Close() { f.hooks.Close() }

// Hooks are the fake's webhook subscriptions and deliveries.
func (f *Fake) Hooks() *control.Hooks { return f.hooks }

// Package returns a copy of the package with a waybill.
func (f *Fake) Package(waybill string) (Package, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p := f.find(waybill); p != nil {
		return p.clone(), true
	}
	return Package{}, false
}

func (f *Fake) find(waybill string) *Package {
	for _, p := range f.packages {
		if p.AWB == waybill {
			return p
		}
	}
	return nil
}

// ServeHTTP serves the API and the control routes.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if control.Is(r) {
		f.control.ServeHTTP(w, r)
		return
	}
	f.Server.ServeHTTP(w, r)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	connectortest.ContentJSON.Write(w, status, map[string]any{"success": false, "error": msg})
}

func writeFailure(w http.ResponseWriter, fl connectortest.Failure) {
	fl.SetRetryAfter(w.Header())
	writeError(w, fl.Status, http.StatusText(fl.Status))
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request, _ []byte) {
	if f.Fail(w) {
		return
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Token ")
	if !ok || token != Token {
		writeError(w, http.StatusUnauthorized, "Authentication failed: send Authorization: Token <your API token>")
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/packages/json/":
		f.track(w, r)
	case r.Method == http.MethodPost && r.URL.Path == "/api/cmu/create.json":
		f.create(w, r)
	default:
		writeError(w, http.StatusNotFound, fmt.Sprintf("No route for %s %s", r.Method, r.URL.Path))
	}
}

// maxTracked is how many waybills one tracking request may name.
const maxTracked = 50

func (f *Fake) track(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	split := func(k string) []string {
		var out []string
		for v := range strings.SplitSeq(q.Get(k), ",") {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
		return out
	}
	waybills, refs := split("waybill"), split("ref_ids")
	switch {
	case len(waybills) == 0 && len(refs) == 0:
		writeError(w, http.StatusBadRequest, "Give waybill or ref_ids")
		return
	case len(waybills)+len(refs) > maxTracked:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("At most %d waybills or order ids at a time", maxTracked))
		return
	}
	f.mu.Lock()
	data := []map[string]any{}
	for _, p := range f.packages {
		if slices.Contains(waybills, p.AWB) || slices.Contains(refs, p.ReferenceNo) {
			c := p.clone()
			data = append(data, map[string]any{"Shipment": map[string]any{
				"AWB": c.AWB, "ReferenceNo": c.ReferenceNo, "Consignee": map[string]any{"Name": c.Consignee},
				"Status": c.Status, "PickUpDate": c.PickUpDate, "Scans": c.Scans,
			}})
		}
	}
	f.mu.Unlock()
	out := map[string]any{"ShipmentData": data}
	if len(data) == 0 {
		out["Error"] = "No such waybill or Order Id found"
	}
	connectortest.ContentJSON.Write(w, http.StatusOK, out)
}

// shipmentInput is one shipment of create.json's data.
type shipmentInput struct {
	Name        string `json:"name"`
	Add         string `json:"add"`
	Pin         string `json:"pin"`
	Phone       string `json:"phone"`
	Order       string `json:"order"`
	PaymentMode string `json:"payment_mode"`
	Waybill     string `json:"waybill"`
}

func (f *Fake) create(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("format") != "json" || r.PostForm.Get("data") == "" {
		writeError(w, http.StatusBadRequest, "Send a form body: format=json&data=<the shipments as JSON>")
		return
	}
	var data struct {
		Shipments      []shipmentInput `json:"shipments"`
		PickupLocation struct {
			Name string `json:"name"`
		} `json:"pickup_location"`
	}
	if err := json.Unmarshal([]byte(r.PostForm.Get("data")), &data); err != nil {
		writeError(w, http.StatusBadRequest, "data is not valid JSON: "+err.Error())
		return
	}
	if len(data.Shipments) == 0 || data.PickupLocation.Name == "" {
		writeError(w, http.StatusBadRequest, "data needs shipments and pickup_location.name")
		return
	}
	for i, s := range data.Shipments {
		if s.Name == "" || s.Add == "" || s.Pin == "" || s.Phone == "" || s.Order == "" || s.PaymentMode == "" {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("shipments[%d] needs name, add, pin, phone, order and payment_mode", i))
			return
		}
	}
	now := time.Now()
	packages := []map[string]any{}
	f.mu.Lock()
	for _, s := range data.Shipments {
		waybill := s.Waybill
		if waybill == "" {
			waybill = fmt.Sprintf("%d", f.next)
			f.next++
		}
		if f.find(waybill) != nil {
			packages = append(packages, map[string]any{"status": "Fail", "waybill": waybill, "refnum": s.Order,
				"remarks": []string{"Duplicate waybill"}, "serviceable": true})
			continue
		}
		p := &Package{AWB: waybill, ReferenceNo: s.Order, Consignee: s.Name}
		p.scan("Manifested", "UD", data.PickupLocation.Name, "Manifest uploaded", now)
		f.packages = append(f.packages, p)
		packages = append(packages, map[string]any{"status": "Success", "waybill": waybill, "refnum": s.Order,
			"payment": s.PaymentMode, "remarks": []string{}, "serviceable": true, "sort_code": "GGN/BLS"})
	}
	f.mu.Unlock()
	connectortest.ContentJSON.Write(w, http.StatusOK, map[string]any{
		"success": true, "package_count": len(packages), "packages": packages, "upload_wbn": fmt.Sprintf("UPL%d", now.UnixNano()),
	})
}

// Manifest registers a package, as a shipper's system does when it books
// the shipment (Eshopbox, for the orders it ships with Delhivery). A
// waybill already known is left as it is.
func (f *Fake) Manifest(waybill, reference, consignee string) Package {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p := f.find(waybill); p != nil {
		return p.clone()
	}
	p := &Package{AWB: waybill, ReferenceNo: reference, Consignee: consignee}
	p.scan("Manifested", "UD", "Gurgaon_Bilaspur_HB (Haryana)", "Manifest uploaded", time.Now())
	f.packages = append(f.packages, p)
	return p.clone()
}

// Errors of ScanPackage.
var (
	ErrNoPackage = errors.New("no package with this waybill")
	ErrDelivered = errors.New("the package is delivered already")
)

// statusTypes are the StatusType of the statuses a scan may have.
var statusTypes = map[string]string{
	"delivered": "DL", "rto": "RT", "returned": "RT", "cancelled": "CN", "canceled": "CN",
}

// ScanPackage applies a scan to a package and pushes it to the "scan"
// subscribers, returning the package and the deliveries. statusType
// defaults from the status: DL for Delivered, RT for RTO, CN for
// Cancelled, UD (on its way) otherwise.
func (f *Fake) ScanPackage(ctx context.Context, waybill, status, statusType, location, instructions string) (Package, []control.Delivery, error) {
	if statusType == "" {
		statusType = statusTypes[strings.ToLower(status)]
		if statusType == "" {
			statusType = "UD"
		}
	}
	f.mu.Lock()
	p := f.find(waybill)
	if p == nil {
		f.mu.Unlock()
		return Package{}, nil, fmt.Errorf("%w: %q", ErrNoPackage, waybill)
	}
	if p.Status.StatusType == "DL" {
		f.mu.Unlock()
		return Package{}, nil, fmt.Errorf("%w: %s", ErrDelivered, waybill)
	}
	now := time.Now()
	if p.PickUpDate == "" && statusType == "UD" && status != "Manifested" {
		p.PickUpDate = stamp(now)
	}
	p.scan(status, statusType, cmp.Or(location, "Bengaluru_Bomsndra_PC (Karnataka)"), cmp.Or(instructions, status), now)
	out := p.clone()
	f.mu.Unlock()
	push, err := json.Marshal(map[string]any{"Shipment": map[string]any{
		"Status": out.Status, "PickUpDate": out.PickUpDate, "NSLCode": nslCode(statusType),
		"Sortcode": "BLR/BMS", "ReferenceNo": out.ReferenceNo, "AWB": out.AWB,
	}})
	if err != nil {
		return Package{}, nil, fmt.Errorf("encoding the scan push: %w", err)
	}
	return out, f.hooks.Deliver(ctx, EventScan, push, nil), nil
}

// nslCode is a Delhivery NSL code for the status type.
func nslCode(statusType string) string {
	switch statusType {
	case "DL":
		return "EOD-38"
	case "RT":
		return "RT-101"
	case "CN":
		return "X-MCUA"
	}
	return "X-UCI"
}

func (f *Fake) manifestRoute(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Waybill   string `json:"waybill"`
		Reference string `json:"reference"`
		Consignee string `json:"consignee"`
	}
	if !control.Decode(w, r, &in) {
		return
	}
	if in.Waybill == "" {
		control.WriteError(w, http.StatusBadRequest, "waybill", "is required")
		return
	}
	control.WriteJSON(w, http.StatusOK, f.Manifest(in.Waybill, in.Reference, in.Consignee))
}

func (f *Fake) getPackage(w http.ResponseWriter, r *http.Request) {
	p, ok := f.Package(r.PathValue("waybill"))
	if !ok {
		control.WriteError(w, http.StatusNotFound, "waybill", "no such package")
		return
	}
	control.WriteJSON(w, http.StatusOK, p)
}

func (f *Fake) scanRoute(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Status       string `json:"status"`
		StatusType   string `json:"statusType"`
		Location     string `json:"location"`
		Instructions string `json:"instructions"`
	}
	if !control.Decode(w, r, &in) {
		return
	}
	if in.Status == "" {
		control.WriteError(w, http.StatusBadRequest, "status", "is required, e.g. Delivered")
		return
	}
	p, deliveries, err := f.ScanPackage(r.Context(), r.PathValue("waybill"), in.Status, in.StatusType, in.Location, in.Instructions)
	if err != nil {
		status := http.StatusConflict
		if errors.Is(err, ErrNoPackage) {
			status = http.StatusNotFound
		}
		control.WriteError(w, status, "waybill", err.Error())
		return
	}
	control.WriteJSON(w, http.StatusOK, map[string]any{"package": p, "deliveries": deliveries})
}
