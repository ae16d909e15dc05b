package console

import (
	"bytes"
	"encoding/xml"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/junction-run/junction/definition"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/graphs")

// TestGraphGolden draws each definition of testdata/graphs (branches, If,
// ForEach, Parallel, Wait, onError, steps with no next) and holds the SVG
// to <name>.svg; -update rewrites them. The definitions are parsed, so
// each one is a definition the API would store.
func TestGraphGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "graphs", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no graphs in testdata/graphs: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			doc := parseGraphFixture(t, file)
			svg := []byte(drawGraph(doc).SVG)
			if again := []byte(drawGraph(doc).SVG); !bytes.Equal(svg, again) {
				t.Fatal("two drawings of the same definition differ")
			}
			checkSVG(t, svg, doc)
			golden := strings.TrimSuffix(file, ".json") + ".svg"
			if *update {
				if err := os.WriteFile(golden, svg, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if !bytes.Equal(svg, want) {
				t.Errorf("the drawing of %s differs from %s (run with -update and look at the difference)", file, golden)
			}
		})
	}
}

func parseGraphFixture(t *testing.T, file string) *definition.Document {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := definition.Parse(raw)
	if err != nil {
		t.Fatalf("%s is not a valid definition: %v", file, err)
	}
	return doc
}

// checkSVG holds a drawing to what does not depend on the layout: it is
// XML, an image with a title, and it has a box for every step.
func checkSVG(t *testing.T, svg []byte, doc *definition.Document) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var root *xml.StartElement
	var boxes []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not XML: %v", err)
		}
		if el, ok := tok.(xml.StartElement); ok {
			if root == nil {
				root = &el
			}
			for _, a := range el.Attr {
				if a.Name.Local == "data-step" {
					boxes = append(boxes, a.Value)
				}
			}
		}
	}
	attrs := map[string]string{}
	for _, a := range root.Attr {
		attrs[a.Name.Local] = a.Value
	}
	if root.Name.Local != "svg" || attrs["role"] != "img" || attrs["aria-labelledby"] != "graph-title graph-desc" ||
		!bytes.Contains(svg, []byte(`<title id="graph-title">Steps of `+doc.Definition.Name+`</title>`)) {
		t.Errorf("root %s %v: want an svg role=img labelled by its title", root.Name.Local, attrs)
	}
	var ids []string
	var walk func([]definition.Step)
	walk = func(steps []definition.Step) {
		for _, s := range steps {
			ids = append(ids, s.ID)
			for _, block := range s.Do {
				walk(block)
			}
		}
	}
	walk(doc.Definition.Steps)
	slices.Sort(ids)
	slices.Sort(boxes)
	if !slices.Equal(ids, boxes) {
		t.Errorf("boxes for %v, want one for each step %v", boxes, ids)
	}
}

// TestGraphOutline: the text outline tells what the drawing shows: the
// start, each route with its condition, error routes, marks, and blocks.
func TestGraphOutline(t *testing.T) {
	cases := map[string][]string{
		"branches": {"route (Branch) start: when {{data.order.total > 1000}}: big; when {{data.order.total <= 10}}: small; otherwise normal",
			"big (HttpRequest): then notify", "small (HttpRequest): ends the run", "normal (HttpRequest): then notify", "notify (SMS): ends the run"},
		"onerror": {"primary (HttpRequest) start: then confirm; on error go to fallback", "confirm (HttpRequest): ends the run",
			"fallback (HttpRequest): then confirm; on error go to primary"},
		"wait":    {"pause (Wait) start waits: then ask", "ask (SMS): then reply", "reply (WaitForReply) waits: ends the run"},
		"foreach": {"lines (ForEach) start loop: then done", "[loop body] ship (HttpRequest): ends its block", "done (HttpRequest): ends the run"},
		"parallel": {"fan_out (Parallel) start: ends the run", "[branch 1] crm (HttpRequest): ends its block",
			"[branch 2] erp (HttpRequest): then erp_ack", "[branch 2] erp_ack (HttpRequest): ends its block"},
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			doc := parseGraphFixture(t, filepath.Join("testdata", "graphs", name+".json"))
			var got []string
			var tell func(prefix string, steps []outlineStep)
			tell = func(prefix string, steps []outlineStep) {
				for _, s := range steps {
					line := prefix + s.ID + " (" + s.StepType + ")"
					if s.Start {
						line += " start"
					}
					for _, m := range s.Marks {
						line += " " + m
					}
					got = append(got, line+": "+strings.Join(s.Routes, "; "))
					for _, b := range s.Blocks {
						tell(prefix+"["+b.Label+"] ", b.Steps)
					}
				}
			}
			tell("", drawGraph(doc).Outline)
			if !slices.Equal(got, want) {
				t.Errorf("outline\n got %q\nwant %q", got, want)
			}
		})
	}
}
