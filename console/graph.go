package console

import (
	"cmp"
	"fmt"
	"html/template"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/junction-run/junction/definition"
)

// The graph of a definition's steps, drawn on the server as SVG, and the
// same graph as a text outline for screen readers (a picture alone tells
// them nothing).
//
// The layout is layered and deterministic: each list of steps (the
// definition's, or one do block) puts its first step on top and every
// other step one layer below the nearest step that routes to it, so the
// targets of a branch sit side by side. Arrows that go down run straight
// from the bottom of one box to the top of another; arrows that go back
// up or sideways (a loop by goto) run along a rail on the list's right.
// A step with do blocks is a group holding its blocks side by side.

// Sizes of the drawing, in SVG user units (pixels at 100%).
const (
	graphNodeW     = 200 // a step's box
	graphNodeH     = 52
	graphGapX      = 24 // between boxes of a layer, and between blocks
	graphGapY      = 48 // between layers: room for an arrow's label
	graphPad       = 12 // inside a group, around its blocks
	graphBlockHead = 20 // a block's label inside a group
	graphRail      = 14 // between the rails of backward arrows
	graphMargin    = 16
	graphStartH    = 40 // the start marker above the first step
	graphTextMax   = 24 // characters of an id or type shown in a box
	graphLabelMax  = 28 // characters of an arrow's label
)

// graph is a definition's steps drawn, and told.
type graph struct {
	SVG     template.HTML
	Outline []outlineStep
}

// outlineStep is one step of the text outline: what it is, where it
// goes, and its blocks.
type outlineStep struct {
	ID, StepType string
	Start        bool
	// Marks say what kind of step it is beyond its type: "waits", "loop".
	Marks  []string
	Routes []string
	Blocks []outlineBlock
}

// outlineBlock is one do block of a step.
type outlineBlock struct {
	Label string
	Steps []outlineStep
}

// graphNode is a step's box (or group) with its place, relative to the
// block that holds it.
type graphNode struct {
	step       *definition.Step
	x, y, w, h int
	rank       int
	blocks     []*graphBlock
}

// graphBlock is a list of steps laid out, with its place relative to the
// group that holds it.
type graphBlock struct {
	label      string
	nodes      []*graphNode
	byID       map[string]*graphNode
	x, y, w, h int
	// railX is where the rails of backward arrows start, right of the
	// boxes.
	railX int
}

// graphEdge is one arrow of a block: a route from one step to another.
type graphEdge struct {
	from, to *graphNode
	label    string
	onError  bool
}

// drawGraph draws doc's steps and tells them as an outline.
func drawGraph(doc *definition.Document) graph {
	top := layoutBlock(doc.Definition.Steps, "")
	w := top.w + 2*graphMargin
	h := graphStartH + top.h + 2*graphMargin
	title := "Steps of " + doc.Definition.Name
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="graph-title graph-desc" width="%d" height="%d" viewBox="0 0 %d %d" font-family="system-ui, sans-serif" font-size="13">`+"\n", w, h, w, h)
	fmt.Fprintf(&b, `<title id="graph-title">%s</title>`+"\n", xmlText(title))
	fmt.Fprintf(&b, `<desc id="graph-desc">%d steps; the outline beside the graph lists them with their routes.</desc>`+"\n", countGraphSteps(doc.Definition.Steps))
	b.WriteString(`<defs>` +
		`<marker id="graph-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#1b1f24"/></marker>` +
		`<marker id="graph-arrow-error" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#a40e26"/></marker>` +
		"</defs>\n")
	ox, oy := graphMargin, graphMargin+graphStartH
	if len(top.nodes) > 0 {
		first := top.nodes[0]
		cx := ox + first.x + first.w/2
		fmt.Fprintf(&b, `<g class="start"><circle cx="%d" cy="%d" r="6" fill="#116329"/><text x="%d" y="%d" fill="#116329" font-weight="600">Start</text>`, cx, graphMargin+6, cx+12, graphMargin+10)
		fmt.Fprintf(&b, `<path d="M%d,%dV%d" fill="none" stroke="#1b1f24" stroke-width="1.5" marker-end="url(#graph-arrow)"/></g>`+"\n", cx, graphMargin+12, oy+first.y)
	}
	drawBlock(&b, top, ox, oy)
	b.WriteString("</svg>\n")
	return graph{SVG: template.HTML(b.String()), Outline: outlineOf(doc.Definition.Steps, true)}
}

// layoutBlock lays out a list of steps: layers from the first step down,
// the steps of a layer side by side in document order.
func layoutBlock(steps []definition.Step, label string) *graphBlock {
	blk := &graphBlock{label: label, byID: map[string]*graphNode{}}
	for i := range steps {
		n := layoutNode(&steps[i])
		n.rank = -1
		blk.nodes = append(blk.nodes, n)
		if _, dup := blk.byID[steps[i].ID]; !dup && steps[i].ID != "" {
			blk.byID[steps[i].ID] = n
		}
	}
	if len(blk.nodes) == 0 {
		blk.w, blk.h = graphNodeW, 0
		return blk
	}
	// Ranks: breadth first from the first step, so a step sits one layer
	// below the nearest step that reaches it; steps nothing reaches follow,
	// one layer each.
	blk.nodes[0].rank = 0
	queue := []*graphNode{blk.nodes[0]}
	maxRank := 0
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, e := range blk.edgesFrom(n) {
			if e.to.rank < 0 {
				e.to.rank = n.rank + 1
				maxRank = max(maxRank, e.to.rank)
				queue = append(queue, e.to)
			}
		}
	}
	for _, n := range blk.nodes {
		if n.rank < 0 {
			maxRank++
			n.rank = maxRank
		}
	}
	layers := make([][]*graphNode, maxRank+1)
	for _, n := range blk.nodes {
		layers[n.rank] = append(layers[n.rank], n)
	}
	widths := make([]int, len(layers))
	for i, layer := range layers {
		for j, n := range layer {
			if j > 0 {
				widths[i] += graphGapX
			}
			widths[i] += n.w
		}
		blk.w = max(blk.w, widths[i])
	}
	y := 0
	for i, layer := range layers {
		x, height := (blk.w-widths[i])/2, 0
		for _, n := range layer {
			n.x, n.y = x, y
			x += n.w + graphGapX
			height = max(height, n.h)
		}
		y += height
		if i < len(layers)-1 {
			y += graphGapY
		}
	}
	blk.h = y
	blk.railX = blk.w
	if back := len(blk.backEdges()); back > 0 {
		blk.w += back * graphRail
	}
	return blk
}

// layoutNode sizes a step's box: a plain box, or a group holding its do
// blocks side by side under a header.
func layoutNode(s *definition.Step) *graphNode {
	n := &graphNode{step: s, w: graphNodeW, h: graphNodeH}
	if len(s.Do) == 0 {
		return n
	}
	x, height := graphPad, 0
	for j := range s.Do {
		blk := layoutBlock(s.Do[j], blockLabel(s, j))
		blk.x, blk.y = x, graphNodeH+graphBlockHead
		n.blocks = append(n.blocks, blk)
		x += blk.w + graphGapX
		height = max(height, blk.h)
	}
	n.w = max(graphNodeW, x-graphGapX+graphPad)
	n.h = graphNodeH + graphBlockHead + height + graphPad
	return n
}

// blockLabel names a step's j-th do block.
func blockLabel(s *definition.Step, j int) string {
	switch definition.CanonicalStepType(s.StepType) {
	case definition.StepForEach:
		return "loop body"
	case definition.StepParallel:
		return fmt.Sprintf("branch %d", j+1)
	}
	return fmt.Sprintf("block %d", j+1)
}

// edgesFrom lists a step's routes to steps of its block: nextStepId,
// selectNextStep by its keys' order, and onError's goto. Routes to steps
// elsewhere (which validation refuses) are not drawn.
func (blk *graphBlock) edgesFrom(n *graphNode) []graphEdge {
	var out []graphEdge
	add := func(id, label string, onError bool) {
		if to := blk.byID[id]; to != nil {
			out = append(out, graphEdge{from: n, to: to, label: label, onError: onError})
		}
	}
	s := n.step
	if s.NextStepID != "" {
		add(s.NextStepID, "", false)
	}
	for _, id := range branchOrder(s.SelectNextStep) {
		add(id, conditionLabel(s.SelectNextStep[id]), false)
	}
	if s.OnError != nil && s.OnError.Action == definition.OnErrorGoTo && s.OnError.NextStepID != "" {
		add(s.OnError.NextStepID, "on error", true)
	}
	return out
}

// edges are all the block's arrows, in the order of its steps.
func (blk *graphBlock) edges() []graphEdge {
	var out []graphEdge
	for _, n := range blk.nodes {
		out = append(out, blk.edgesFrom(n)...)
	}
	return out
}

// backEdges are the arrows that do not go down a layer: they take a rail.
func (blk *graphBlock) backEdges() []graphEdge {
	var out []graphEdge
	for _, e := range blk.edges() {
		if e.to.rank <= e.from.rank {
			out = append(out, e)
		}
	}
	return out
}

// branchOrder lists a selectNextStep's targets by id, the default
// (null) branch last, as a person reads a switch.
func branchOrder(sel map[string]*string) []string {
	return slices.SortedStableFunc(slices.Values(slices.Sorted(maps.Keys(sel))), func(a, b string) int {
		return cmp.Compare(btoi(sel[a] == nil), btoi(sel[b] == nil))
	})
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// conditionLabel is a branch's label: its condition, or "otherwise" for
// the default (null) branch.
func conditionLabel(cond *string) string {
	if cond == nil {
		return "otherwise"
	}
	return *cond
}

// drawBlock draws a block whose origin is (ox, oy): arrows first, so
// boxes cover what runs behind them, then boxes, then labels on top.
func drawBlock(b *strings.Builder, blk *graphBlock, ox, oy int) {
	type label struct {
		x, y    int
		text    string
		onError bool
	}
	var labels []label
	rail := 0
	out := map[*graphNode]int{} // arrows drawn from a node so far
	for _, e := range blk.edges() {
		from, to := e.from, e.to
		stroke, dash, marker := "#1b1f24", "", "graph-arrow"
		if e.onError {
			stroke, dash, marker = "#a40e26", ` stroke-dasharray="6 4"`, "graph-arrow-error"
		}
		var d string
		var lx, ly int
		if to.rank > from.rank {
			// Down: from the bottom of the source (arrows spread along
			// it), across below it, down to the top of the target.
			n := len(blk.edgesFrom(from))
			out[from]++
			sx := ox + from.x + from.w*out[from]/(n+1)
			sy := oy + from.y + from.h
			tx, ty := ox+to.x+to.w/2, oy+to.y
			mid := sy + graphGapY/2
			d = fmt.Sprintf("M%d,%dV%dH%dV%d", sx, sy, mid, tx, ty)
			if sx == tx {
				d = fmt.Sprintf("M%d,%dV%d", sx, sy, ty)
			}
			lx, ly = tx+6, ty-6
		} else {
			// Back up (or sideways): out of the source's right side to a
			// rail right of the block, and into the target's right side.
			rail++
			rx := ox + blk.railX + rail*graphRail
			sy := oy + from.y + from.h/2 + 6
			ty := oy + to.y + to.h/2 - 6
			d = fmt.Sprintf("M%d,%dH%dV%dH%d", ox+from.x+from.w, sy, rx, ty, ox+to.x+to.w)
			lx, ly = ox+to.x+to.w+8, ty-5
		}
		fmt.Fprintf(b, `<path class="route" d="%s" fill="none" stroke="%s" stroke-width="1.5"%s marker-end="url(#%s)"/>`+"\n", d, stroke, dash, marker)
		if e.label != "" {
			labels = append(labels, label{lx, ly, e.label, e.onError})
		}
	}
	for _, n := range blk.nodes {
		drawNode(b, n, ox+n.x, oy+n.y)
	}
	for _, l := range labels {
		fill := "#1b1f24"
		if l.onError {
			fill = "#a40e26"
		}
		fmt.Fprintf(b, `<text class="route-label" x="%d" y="%d" fill="%s" stroke="#ffffff" stroke-width="4" paint-order="stroke" font-size="12">%s<title>%s</title></text>`+"\n",
			l.x, l.y, fill, xmlText(shorten(l.text, graphLabelMax)), xmlText(l.text))
	}
}

// drawNode draws a step at (x, y): its box with id and type, its marks,
// and a group's blocks.
func drawNode(b *strings.Builder, n *graphNode, x, y int) {
	s := n.step
	kind := "step"
	if len(n.blocks) > 0 {
		kind = "group"
	}
	fmt.Fprintf(b, `<g class="%s" data-step="%s"><title>%s (%s)</title>`, kind, xmlText(s.ID), xmlText(s.ID), xmlText(s.StepType))
	fill := "#ffffff"
	if kind == "group" {
		fill = "#f6f8fa"
	}
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" rx="6" fill="%s" stroke="#57606a" stroke-width="1.5"/>`, x, y, n.w, n.h, fill)
	fmt.Fprintf(b, `<text x="%d" y="%d" fill="#1b1f24" font-weight="600">%s</text>`, x+10, y+21, xmlText(shorten(s.ID, graphTextMax)))
	fmt.Fprintf(b, `<text x="%d" y="%d" fill="#57606a">%s</text>`, x+10, y+40, xmlText(shorten(s.StepType, graphTextMax)))
	if mark := stepMark(s); mark != "" {
		// A mark in words, so it is not told by colour or shape alone.
		mw := 8*utf8.RuneCountInString(mark) + 12
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="18" rx="9" fill="#ffffff" stroke="#7d4e00"/><text x="%d" y="%d" fill="#7d4e00" font-size="11" text-anchor="middle">%s</text>`,
			x+n.w-mw-6, y+6, mw, x+n.w-6-mw/2, y+19, mark)
	}
	b.WriteString("\n")
	for _, blk := range n.blocks {
		fmt.Fprintf(b, `<text x="%d" y="%d" fill="#57606a" font-size="11">%s</text>`+"\n", x+blk.x, y+blk.y-6, xmlText(blk.label))
		drawBlock(b, blk, x+blk.x, y+blk.y+4)
	}
	b.WriteString("</g>\n")
}

// stepMark is what a step's box says beyond its type: a loop, or a step
// that waits.
func stepMark(s *definition.Step) string {
	switch definition.CanonicalStepType(s.StepType) {
	case definition.StepForEach:
		return "loop"
	case definition.StepWait, definition.StepWaitForReply, definition.StepWaitForDTMF:
		return "waits"
	}
	return ""
}

// outlineOf tells steps as the outline, with each step's routes.
func outlineOf(steps []definition.Step, top bool) []outlineStep {
	out := make([]outlineStep, 0, len(steps))
	for i := range steps {
		s := &steps[i]
		o := outlineStep{ID: s.ID, StepType: s.StepType, Start: top && i == 0}
		if mark := stepMark(s); mark != "" {
			o.Marks = append(o.Marks, mark)
		}
		if s.NextStepID != "" {
			o.Routes = append(o.Routes, "then "+s.NextStepID)
		}
		for _, id := range branchOrder(s.SelectNextStep) {
			if cond := s.SelectNextStep[id]; cond == nil {
				o.Routes = append(o.Routes, "otherwise "+id)
			} else {
				o.Routes = append(o.Routes, "when "+*cond+": "+id)
			}
		}
		if s.OnError != nil {
			switch s.OnError.Action {
			case definition.OnErrorGoTo:
				o.Routes = append(o.Routes, "on error go to "+s.OnError.NextStepID)
			case definition.OnErrorContinue:
				o.Routes = append(o.Routes, "on error continue")
			}
		}
		if s.NextStepID == "" && len(s.SelectNextStep) == 0 {
			end := "ends its block"
			if top {
				end = "ends the run"
			}
			o.Routes = append(o.Routes, end)
		}
		for j := range s.Do {
			o.Blocks = append(o.Blocks, outlineBlock{Label: blockLabel(s, j), Steps: outlineOf(s.Do[j], false)})
		}
		out = append(out, o)
	}
	return out
}

// countGraphSteps counts steps, nested ones included.
func countGraphSteps(steps []definition.Step) int {
	n := len(steps)
	for _, s := range steps {
		for _, block := range s.Do {
			n += countGraphSteps(block)
		}
	}
	return n
}

// shorten cuts s to at most n characters, marking the cut.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// xmlText escapes s for SVG text and attributes.
func xmlText(s string) string {
	return template.HTMLEscapeString(s)
}
