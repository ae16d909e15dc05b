package devstack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/junction-run/junction/internal/devstack"
)

var writeScreenshots = flag.Bool("screenshots", false,
	"TestConsoleInBrowser writes each console page it checks to docs/console/<page>.png")

// axeFile is axe-core, from the npm package console/a11y pins
// (scripts/test.sh runs npm ci there).
const axeFile = "../../console/a11y/node_modules/axe-core/axe.min.js"

// screenshotDir is where -screenshots writes, for docs/console.md.
const screenshotDir = "../../docs/console"

// viewport is a browser window size the console must work at.
type viewport struct {
	name          string
	width, height int64
	phone         bool
}

var (
	desktop = viewport{"desktop", 1280, 800, false}
	phone   = viewport{"phone", 375, 812, true}
)

// TestConsoleInBrowser drives the console in headless Chromium against the
// real dev stack: sign in with the account's admin key and out again, at a
// desktop's width and a phone's, by keyboard as well, each page checked by
// axe-core (WCAG 2 A and AA) and searched for every secret the test knows.
// One helper per page flow.
//
// One test function, one browser: every flow is a subtest.
func TestConsoleInBrowser(t *testing.T) {
	chromium := requireChromium(t)
	axe, err := os.ReadFile(axeFile)
	if err != nil {
		missingTool(t, fmt.Sprintf("no axe-core (%v): run npm ci --prefix console/a11y (scripts/test.sh does)", err))
	}
	s := startTestStack(t, devstack.Config{})
	useKey(s, devstack.DevAccountID, s.DevAPIKey)
	b := startBrowser(t, chromium, s.GatewayURL, string(axe))
	b.key = s.DevAPIKey
	b.secrets = append(b.secrets, s.DevAPIKey)
	// Something to list, so that the pages are not all empty.
	createDefinition(t, s, devstack.DevAccountID, orderDefinition("http://127.0.0.1:9", "disabled"))

	for _, vp := range []viewport{desktop, phone} {
		t.Run("sign in and out at "+vp.name+" width", func(t *testing.T) { b.signInAndOut(t, vp) })
	}
	t.Run("keyboard: skip link, then the navigation, focus visible", b.keyboard)

	sk := newSink(t)
	doc := orderDefinition(sk.URL, "enabled")
	var definitionID string
	t.Run("editor: a problem at its path, fixed and saved", func(t *testing.T) {
		definitionID = b.editDefinition(t, s, doc)
	})
	if definitionID == "" {
		definitionID = createDefinition(t, s, devstack.DevAccountID, doc)["id"].(string)
	}
	t.Run("definition page: the graph of its steps", func(t *testing.T) { b.definitionGraph(t, definitionID) })
	t.Run("test run watched to completion", func(t *testing.T) { b.testRun(t, definitionID, sk) })
	t.Run("a retried step's attempts on its run's page", func(t *testing.T) { b.retriedRun(t, s) })
	t.Run("connection created from its form and tested", func(t *testing.T) { b.createConnection(t, s) })
	t.Run("a delivery's attempts", func(t *testing.T) { b.deliveryAttempts(t, s) })
	t.Run("every other section's pages pass the same checks", func(t *testing.T) { b.otherPages(t, s, definitionID, doc) })

	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.offLoopback) > 0 {
		t.Errorf("the browser sent requests off 127.0.0.1: %q", b.offLoopback)
	}
}

// requireChromium finds Debian's Chromium (or JUNCTION_CHROMIUM).
func requireChromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("JUNCTION_CHROMIUM"); p != "" {
		return p
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		missingTool(t, "no chromium on PATH: install Debian's chromium (apt-get install chromium; scripts/test.sh does when run as root), or name another Chromium in JUNCTION_CHROMIUM")
	}
	return p
}

// missingTool fails the test under CI, which must run it, and skips it
// elsewhere.
func missingTool(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// useKey lets call() and the helpers built on it act as account with key.
func useKey(s *devstack.Stack, account, key string) {
	keysMu.Lock()
	defer keysMu.Unlock()
	testKeys[s.GatewayURL+"|"+account] = key
}

// consoleBrowser is one headless Chromium tab on the console.
type consoleBrowser struct {
	ctx  context.Context
	base string
	axe  string
	// key is the account's admin key, typed in to sign in.
	key string
	// secrets must appear in no page's HTML.
	secrets []string

	mu          sync.Mutex
	offLoopback []string
}

// pageWatch runs in every document before its own scripts: it records
// Content-Security-Policy violations and uncaught errors, which the
// console's pages must not have.
const pageWatch = `window.__junctionTest = {csp: [], errors: []};
document.addEventListener("securitypolicyviolation", (e) =>
  window.__junctionTest.csp.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber));
window.addEventListener("error", (e) => window.__junctionTest.errors.push(String(e.message)));`

func startBrowser(t *testing.T, exe, base, axe string) *consoleBrowser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(int(desktop.width), int(desktop.height)),
		// Loopback only: no name resolves, no proxy, no updates.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.Flag("no-proxy-server", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-domain-reliability", true),
	)
	if os.Geteuid() == 0 {
		// Chromium's sandbox refuses to run as root (CI's containers).
		opts = append(opts, chromedp.NoSandbox)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	b := &consoleBrowser{ctx: ctx, base: base, axe: axe}
	// The first action starts the browser and lives as long as it: no timeout.
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: pageWatch})
		return err
	})); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	requests := chromedp.Events(ctx, network.RequestWillBeSent)
	go func() {
		for ev, err := range requests {
			if err != nil {
				return
			}
			u, err := url.Parse(ev.Request.URL)
			if err != nil || (u.Scheme != "data" && u.Scheme != "about" && u.Hostname() != "127.0.0.1") {
				b.mu.Lock()
				b.offLoopback = append(b.offLoopback, ev.Request.URL)
				b.mu.Unlock()
			}
		}
	}()
	return b
}

// inTab runs one action on the tab, with a deadline.
func inTab[T any](t *testing.T, b *consoleBrowser, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// evalJS evaluates a JavaScript expression on the page, awaiting a promise.
func evalJS[T any](t *testing.T, b *consoleBrowser, expr string) T {
	t.Helper()
	return inTab(t, b, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// waitFor polls a JavaScript predicate on the page until it is true (a
// page that is still loading counts as false).
func (b *consoleBrowser) waitFor(t *testing.T, what, predicate string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.readyState === "complete" && !!(`+predicate+`)`))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			// What the page says helps more than the predicate.
			ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
			page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname + ": " + (document.querySelector("main") || document.body).innerText.slice(0, 600)`))
			cancel()
			t.Fatalf("timed out after %s waiting for %s (last error: %v); the page: %s", timeout, what, err, page)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitPath waits until the page at a path matching pattern has loaded.
func (b *consoleBrowser) waitPath(t *testing.T, pattern string) string {
	t.Helper()
	re := regexp.MustCompile(pattern)
	b.waitFor(t, "a page at "+pattern, `new RegExp(`+jsString(pattern)+`).test(location.pathname)`, 30*time.Second)
	path := evalJS[string](t, b, `location.pathname`)
	if !re.MatchString(path) {
		t.Fatalf("at %s, want %s", path, pattern)
	}
	return path
}

// open loads path and answers its status. The console's "no such page"
// fails the flow: every page it walks exists.
func (b *consoleBrowser) open(t *testing.T, path string) int64 {
	t.Helper()
	resp := inTab(t, b, chromedp.NavigateResponse(b.base+path))
	main := evalJS[string](t, b, `(document.querySelector("main") || document.body).innerText`)
	if strings.Contains(main, "There is no such page") {
		t.Fatalf("%s: the console has no such page", evalJS[string](t, b, `location.pathname`))
	}
	return resp.Status
}

// setViewport sizes the tab like a desktop window or a phone.
func (b *consoleBrowser) setViewport(t *testing.T, vp viewport) {
	t.Helper()
	var opts []chromedp.EmulateViewportOption
	if vp.phone {
		opts = append(opts, chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	inTab(t, b, chromedp.EmulateViewport(vp.width, vp.height, opts...))
	// The page's resize handlers run at the next frames, before anyone
	// could press a key; checked sooner, a table at phone width would be
	// seen before it became a tab stop.
	evalJS[bool](t, b, `new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))`)
}

// check holds the page in the tab to the console's rules at both widths:
// no secret in its HTML, no CSP violation or script error, no sideways
// scrolling of the whole page (tables scroll in their wrapper), and no
// axe-core violation of WCAG 2 A or AA. With -screenshots it saves the
// desktop view as docs/console/<shot>.png, and the phone view as
// <shot>-phone.png when phoneShot.
func (b *consoleBrowser) check(t *testing.T, shot string, phoneShot bool) {
	t.Helper()
	html := evalJS[string](t, b, `document.documentElement.outerHTML`)
	for _, secret := range b.secrets {
		if strings.Contains(html, secret) {
			t.Errorf("%s: the page's HTML holds a secret (%.6s…)", shot, secret)
		}
	}
	var watched struct{ CSP, Errors []string }
	if err := json.Unmarshal(evalJS[[]byte](t, b, `window.__junctionTest`), &watched); err != nil {
		t.Fatal(err)
	}
	for _, v := range watched.CSP {
		t.Errorf("%s: Content-Security-Policy violation: %s", shot, v)
	}
	for _, e := range watched.Errors {
		t.Errorf("%s: script error: %s", shot, e)
	}
	for _, vp := range []viewport{desktop, phone} {
		b.setViewport(t, vp)
		if over := evalJS[int](t, b, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); over > 0 {
			t.Errorf("%s at %d px: the page scrolls sideways by %d px", shot, vp.width, over)
		}
		b.axeCheck(t, shot+" at "+vp.name+" width")
		if *writeScreenshots && (vp == desktop || phoneShot) {
			name := shot
			if vp.phone {
				name += "-phone"
			}
			b.screenshot(t, name)
		}
	}
	b.setViewport(t, desktop)
}

// axeViolation is what a failing axe-core rule reports.
type axeViolation struct {
	ID    string `json:"id"`
	Help  string `json:"help"`
	Nodes []struct {
		Target  string `json:"target"`
		HTML    string `json:"html"`
		Summary string `json:"summary"`
	} `json:"nodes"`
}

// axeCheck runs axe-core's WCAG 2 A and AA rules on the page; each
// violation fails the test with its rule, the elements and the help.
func (b *consoleBrowser) axeCheck(t *testing.T, where string) {
	t.Helper()
	if !evalJS[bool](t, b, `typeof axe !== "undefined"`) {
		// Evaluated over DevTools, which the page's CSP does not govern.
		inTab(t, b, chromedp.Evaluate[chromedp.Void](b.axe))
	}
	raw := evalJS[[]byte](t, b, `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]})
	  .then((r) => r.violations.map((v) => ({id: v.id, help: v.help,
	    nodes: v.nodes.map((n) => ({target: n.target.join(" "), html: n.html, summary: n.failureSummary}))})))`)
	var violations []axeViolation
	if err := json.Unmarshal(raw, &violations); err != nil {
		t.Fatalf("axe's answer %s: %v", raw, err)
	}
	for _, v := range violations {
		var nodes []string
		for _, n := range v.Nodes {
			nodes = append(nodes, fmt.Sprintf("%s %s (%s)", n.Target, n.HTML, strings.ReplaceAll(n.Summary, "\n", " ")))
		}
		t.Errorf("%s: axe %s: %s:\n\t%s", where, v.ID, v.Help, strings.Join(nodes, "\n\t"))
	}
}

// screenshot saves the viewport (not the whole page: the files stay small).
func (b *consoleBrowser) screenshot(t *testing.T, name string) {
	t.Helper()
	png := inTab(t, b, chromedp.CaptureScreenshot())
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(screenshotDir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}

// signIn types the admin key into the sign-in page and presses the button.
func (b *consoleBrowser) signIn(t *testing.T) {
	t.Helper()
	b.open(t, "/console/login")
	inTab(t, b, chromedp.Steps(
		chromedp.SendKeys(chromedp.CSS(`#apiKey`), b.key),
		chromedp.Click(chromedp.CSS(`form[action="/console/login"] button[type=submit]`)),
	))
	b.waitPath(t, `^/console/definitions$`)
}

// signInAndOut: the sign-in page, the definitions it lands on, signing out
// and being sent back to sign in, at one width.
func (b *consoleBrowser) signInAndOut(t *testing.T, vp viewport) {
	b.setViewport(t, vp)
	defer b.setViewport(t, desktop)
	b.open(t, "/console/login")
	if vp == desktop {
		b.check(t, "login", false)
	}
	b.setViewport(t, vp)
	b.signIn(t)
	if got := evalJS[string](t, b, `document.querySelector("h1").innerText`); got != "Definitions" {
		t.Errorf("signed in, the page's heading is %q, want Definitions", got)
	}
	if rows := evalJS[int](t, b, `document.querySelectorAll("main tbody tr").length`); rows == 0 {
		t.Error("the definitions list shows no definition")
	}
	if vp == desktop {
		b.check(t, "definitions", true)
	}
	b.setViewport(t, vp)
	inTab(t, b, chromedp.Click(chromedp.CSS(`form[action="/console/logout"] button`)))
	b.waitPath(t, `^/console/login$`)
	b.waitFor(t, "the sign-in form", `document.querySelector("#apiKey")`, 10*time.Second)
	// Signed out is signed out: the list sends the browser to sign in.
	b.open(t, "/console/definitions")
	b.waitPath(t, `^/console/login$`)
}

// focused describes the element that has the keyboard's focus.
type focused struct {
	Text    string `json:"text"`
	Href    string `json:"href"`
	Visible bool   `json:"visible"`
	InView  bool   `json:"inView"`
}

const focusedJS = `(() => {
  const e = document.activeElement, cs = getComputedStyle(e), r = e.getBoundingClientRect();
  return {text: e.innerText.trim(), href: e.getAttribute("href") || "",
    visible: e.matches(":focus-visible") && cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) > 0,
    inView: r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight};
})()`

// keyboard: from the top of a page, Tab reaches "Skip to content" first,
// then the header's links (the console's home, then every section), each
// with a focus ring on screen; Enter on the skip link moves to the content.
func (b *consoleBrowser) keyboard(t *testing.T) {
	b.signIn(t)
	b.open(t, "/console/definitions")
	want := []string{"Skip to content"}
	var nav []string
	if err := json.Unmarshal(evalJS[[]byte](t, b, `[...document.querySelectorAll("header a")].map((a) => a.innerText.trim())`), &nav); err != nil {
		t.Fatal(err)
	}
	if sections := evalJS[int](t, b, `document.querySelectorAll("header nav a").length`); sections < 6 {
		t.Fatalf("the header's navigation has %d links, want every section", sections)
	}
	want = append(want, nav...)
	for i, label := range want {
		inTab(t, b, chromedp.KeyEvent(kb.Tab))
		var got focused
		if err := json.Unmarshal(evalJS[[]byte](t, b, focusedJS), &got); err != nil {
			t.Fatal(err)
		}
		if got.Text != label {
			t.Fatalf("Tab %d focuses %q, want %q", i+1, got.Text, label)
		}
		if !got.Visible || !got.InView {
			t.Errorf("Tab %d: %q has focus but no visible focus ring on screen (%+v)", i+1, label, got)
		}
	}
	b.open(t, "/console/definitions")
	inTab(t, b, chromedp.KeyEvent(kb.Tab))
	inTab(t, b, chromedp.KeyEvent(kb.Enter))
	b.waitFor(t, "the content focused by the skip link", `document.activeElement.id === "main"`, 5*time.Second)
}

// setField sets a form field's value as typing would, input event and all
// (for pages that check as the person types).
func (b *consoleBrowser) setField(t *testing.T, selector, value string) {
	t.Helper()
	ok := evalJS[bool](t, b, `(() => {
	  const e = document.querySelector(`+jsString(selector)+`);
	  if (!e) return false;
	  e.focus(); e.value = `+jsString(value)+`;
	  e.dispatchEvent(new Event("input", {bubbles: true}));
	  e.dispatchEvent(new Event("change", {bubbles: true}));
	  return true;
	})()`)
	if !ok {
		t.Fatalf("no field %s on the page", selector)
	}
}

// submit presses the submit button whose text has the word label (case
// aside) in the form that holds field, or the form's only submit button.
func (b *consoleBrowser) submit(t *testing.T, field, label string) {
	t.Helper()
	ok := evalJS[bool](t, b, `(() => {
	  const f = document.querySelector(`+jsString(field)+`);
	  if (!f || !f.form) return false;
	  const want = `+jsString(strings.ToLower(label))+`;
	  const buttons = [...f.form.querySelectorAll("button")].filter((x) => x.type === "submit");
	  const named = buttons.find((x) => want && new RegExp("\\b" + want + "\\b").test(x.innerText.toLowerCase()));
	  const button = named || (buttons.length === 1 ? buttons[0] : null);
	  if (!button) return false;
	  button.click();
	  return true;
	})()`)
	if !ok {
		t.Fatalf("no button %q in the form of %s", label, field)
	}
}

// clickButton presses the page's button whose text starts with label.
func (b *consoleBrowser) clickButton(t *testing.T, label string) {
	t.Helper()
	ok := evalJS[bool](t, b, `(() => {
	  const want = `+jsString(strings.ToLower(label))+`;
	  const button = [...document.querySelectorAll("main button")].find((x) => x.innerText.trim().toLowerCase().startsWith(want));
	  if (!button) return false;
	  button.click();
	  return true;
	})()`)
	if !ok {
		t.Fatalf("no button %q on the page", label)
	}
}

var uuidPath = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`

// editDefinition: the editor at /console/definitions/new places the API's
// problem with a document at its JSON path (data-path, data-line); fixed,
// the document saves and the browser lands on the definition's page.
func (b *consoleBrowser) editDefinition(t *testing.T, s *devstack.Stack, valid []byte) string {
	b.signIn(t)
	// The problem the API finds in a step of an unknown type, and where.
	invalid := strings.Replace(string(valid), `"stepType": "HttpRequest"`, `"stepType": "NoSuchStep"`, 1)
	if invalid == string(valid) {
		t.Fatal("the test's document has no HttpRequest step to break")
	}
	r := call(t, http.MethodPost, s.GatewayURL+"/api/v1/accounts/dev/definitions", []byte(invalid), nil)
	var answer struct {
		Errors []struct{ Path string } `json:"errors"`
	}
	r.decode(t, &answer)
	if r.Status != http.StatusBadRequest || len(answer.Errors) == 0 || !strings.Contains(answer.Errors[0].Path, "steps") {
		t.Fatalf("the API on a step of an unknown type: %d %s", r.Status, r.Body)
	}
	path := answer.Errors[0].Path

	b.open(t, "/console/definitions/new")
	const field = `textarea[name="document"]`
	// Typed, not saved: the editor asks the API as the person types.
	b.setField(t, field, invalid)
	atPath := `[...document.querySelectorAll("[data-path]")].find((e) => e.dataset.path === ` + jsString(path) + ` && e.dataset.line)`
	b.waitFor(t, "the problem listed at "+path+" with its line", atPath, 30*time.Second)
	// Placed within the broken step: from the steps' start to its type.
	line, err := strconv.Atoi(evalJS[string](t, b, atPath+`.dataset.line`))
	first := strings.Count(invalid[:strings.Index(invalid, `"steps"`)], "\n") + 1
	last := strings.Count(invalid[:strings.Index(invalid, "NoSuchStep")], "\n") + 1
	if strings.HasSuffix(path, "stepType") {
		first = last // the path names the type itself
	}
	if err != nil || line < first || line > last {
		t.Errorf("the problem at %s is placed on line %d (%v), want within the step, lines %d to %d", path, line, err, first, last)
	}
	b.check(t, "definition-editor", false)

	b.setField(t, field, string(valid))
	b.submit(t, field, "")
	saved := b.waitPath(t, `^/console/definitions/`+uuidPath+`$`)
	return strings.TrimPrefix(saved, "/console/definitions/")
}

// definitionGraph: the definition's page draws its steps as an SVG graph.
func (b *consoleBrowser) definitionGraph(t *testing.T, id string) {
	b.signIn(t)
	b.open(t, "/console/definitions/"+id)
	if !evalJS[bool](t, b, `!!document.querySelector("main svg")`) {
		t.Fatal("the definition's page has no graph (<svg>)")
	}
	if text := evalJS[string](t, b, `document.querySelector("main svg").textContent`); !strings.Contains(text, "create_order") {
		t.Errorf("the graph does not name the step create_order: %q", text)
	}
	b.check(t, "definition", false)
}

// testRun: the run form on the definition's page starts a test run with a
// payload; the browser lands on the run's page, which shows it completed
// (it refreshes itself while the run goes on), and the run did its step.
func (b *consoleBrowser) testRun(t *testing.T, id string, sk *sink) {
	before := len(sk.received())
	b.runToCompletion(t, id)
	if got := len(sk.received()); got != before+1 {
		t.Errorf("the warehouse received %d orders from the test run, want 1", got-before)
	}
	b.check(t, "run", false)
}

// runToCompletion starts a test run of definition id from its page, with
// an order for payload, and waits on the run's page until it shows the
// run complete.
func (b *consoleBrowser) runToCompletion(t *testing.T, id string) {
	t.Helper()
	b.signIn(t)
	b.open(t, "/console/definitions/"+id)
	const field = `textarea[name="payload"]`
	b.setField(t, field, orderPayload)
	b.submit(t, field, "Run")
	b.waitPath(t, `^/console/definitions/`+id+`/runs/[^/]+$`)
	// The run's own status (its facts, not a step's badge): the API's
	// "Complete".
	b.waitFor(t, "the run shown complete", `[...document.querySelectorAll("main dd .badge, main [data-status]")]
	  .some((e) => /^completed?$/i.test(e.dataset.status || e.innerText.trim()))`, 2*time.Minute)
}

// retriedRun: a step whose warehouse answered 503 before its 200 says on
// the run's page which attempt succeeded.
func (b *consoleBrowser) retriedRun(t *testing.T, s *devstack.Stack) {
	var calls atomic.Int32
	warehouse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			http.Error(w, `{"error":"warming up"}`, http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"warehouseOrderId":"WH-7"}`)
	}))
	t.Cleanup(warehouse.Close)
	id := createDefinition(t, s, devstack.DevAccountID, orderDefinition(warehouse.URL, "disabled"))["id"].(string)
	b.runToCompletion(t, id)
	if text := evalJS[string](t, b, `[...document.querySelectorAll("main .attempts")].map((e) => e.innerText).join("; ")`); !strings.Contains(text, "Succeeded on attempt 2") {
		t.Errorf("the run's page says %q of the step's attempts, want it succeeded on attempt 2", text)
	}
	b.check(t, "run-retried", false)
}

// createConnection: the form generated from an app's manifest creates a
// connection (its token a write-only secret, shown as set), and "Test"
// checks it against a fake of the app's API.
func (b *consoleBrowser) createConnection(t *testing.T, s *devstack.Stack) {
	requireVault(t, s)
	const token = "tok_browser_5rT8pQ2wXz"
	b.secrets = append(b.secrets, token)
	var mu sync.Mutex
	var checked int
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/me" || r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		mu.Lock()
		checked++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"me":"browser"}`))
	}))
	t.Cleanup(fake.Close)
	app := `{"key": "browser_crm", "name": "Browser CRM", "description": "A made-up CRM for the console's browser test.",
	  "version": "1.0.0", "status": "stable", "baseUrl": "{{connection.base_url}}",
	  "auth": [{"kind": "bearer", "description": "An access token."}],
	  "properties": [{"name": "base_url", "type": "url", "required": true, "description": "Where the API is."}],
	  "test": {"request": {"method": "GET", "path": "/v1/me"}},
	  "actions": [{"id": "whoami", "name": "Who am I", "kind": "search", "description": "Reads the account.",
	    "input": {"type": "object"}, "sampleInput": {}, "request": {"method": "GET", "path": "/v1/me"},
	    "response": {"outputs": {"me": "$.me"}}}]}`
	if r := call(t, http.MethodPost, s.GatewayURL+"/api/v1/accounts/dev/apps", []byte(app), nil); r.Status != http.StatusCreated {
		t.Fatalf("store the app: %d %s", r.Status, r.Body)
	}

	b.signIn(t)
	b.open(t, "/console/connections/new?app=browser_crm")
	b.check(t, "connection-new", false)
	// Fields by their manifest names, however the form nests them.
	for name, value := range map[string]string{"name": "Browser CRM", "token": token, "base_url": fake.URL} {
		selector := evalJS[string](t, b, `(() => {
		  const n = `+jsString(name)+`;
		  const e = [...document.querySelectorAll("main input, main textarea")].find((e) =>
		    e.name === n || e.name.endsWith("." + n) || e.name.endsWith("[" + n + "]"));
		  return e ? "[name=\"" + e.name + "\"]" : "";
		})()`)
		if selector == "" {
			if name == "name" {
				continue // a connection's name is optional
			}
			t.Fatalf("the connection form has no field %s", name)
		}
		b.setField(t, selector, value)
	}
	b.submit(t, `main input[name$="token"], main input[name$="token]"]`, "")
	b.waitFor(t, "the new connection's page", `location.pathname !== "/console/connections/new" && /^\/console\/connections\/[^/]+$/.test(location.pathname)`, 30*time.Second)
	if text := evalJS[string](t, b, `document.querySelector("main").innerText`); !strings.Contains(strings.ToLower(text), "set") {
		t.Errorf("the connection's page does not show its token as set: %q", text)
	}
	b.clickButton(t, "Test")
	b.waitFor(t, "the test's answer", `[...document.querySelectorAll("main [role=status]")].some((e) => /\b(ok|passed|succeeded)\b/i.test(e.innerText))`, time.Minute)
	if errText := evalJS[string](t, b, `(document.querySelector("main .error") || {innerText: ""}).innerText`); errText != "" {
		t.Errorf("the connection's test shows an error: %s", errText)
	}
	mu.Lock()
	if checked == 0 {
		t.Error("the fake API was never called with the connection's token")
	}
	mu.Unlock()
	b.check(t, "connection", false)
}

// deliveryAttempts: a delivery's page lists its attempts with the
// receiver's status, and never the subscription's signing secret.
func (b *consoleBrowser) deliveryAttempts(t *testing.T, s *devstack.Stack) {
	requireVault(t, s)
	rc := newHookReceiver(t)
	sub, secret := createSubscription(t, s, devstack.DevAccountID,
		`{"name": "orders to the ERP", "events": ["http_request"], "url": "`+rc.URL+`/orders"}`)
	b.secrets = append(b.secrets, secret)
	trigger(t, s, devstack.DevAccountID, orderPayload, map[string]string{"Idempotency-Key": "browser-delivery"})
	d := waitDelivery(t, s, devstack.DevAccountID, sub.ID, "delivered")

	b.signIn(t)
	b.open(t, "/console/subscriptions/"+sub.ID+"/deliveries/"+d.ID)
	text := evalJS[string](t, b, `document.querySelector("main").innerText`)
	if !strings.Contains(text, "200") || !strings.Contains(strings.ToLower(text), "delivered") {
		t.Errorf("the delivery's page does not show its attempt (200) and status: %q", text)
	}
	b.check(t, "delivery", false)
}

// otherPages opens the pages the flows above do not walk through, with
// what the flows left behind to list (runs, the app, the subscription and
// its delivery) and one inbound SMS for the conversations, and holds each
// to the same checks: it exists, axe-core, no secret, no sideways scroll.
func (b *consoleBrowser) otherPages(t *testing.T, s *devstack.Stack, definitionID string, doc []byte) {
	api := s.GatewayURL + "/api/v1/accounts/" + devstack.DevAccountID
	// A second version of the definition, for the diff of two.
	second := bytes.Replace(doc, []byte(`"POST"`), []byte(`"PUT"`), 1)
	if r := call(t, http.MethodPut, api+"/definitions/"+definitionID, second, nil); r.Status != http.StatusOK {
		t.Fatalf("a second version: %d %s", r.Status, r.Body)
	}
	if r := call(t, http.MethodPost, api+"/triggers/inbound_sms", []byte(inboundSMS("browser-1", "+6591234567", "where is my order?")), nil); r.Status != http.StatusOK {
		t.Fatalf("inbound SMS: %d %s", r.Status, r.Body)
	}
	// firstID is the id of the first item the API lists at path (which the
	// flows above, or the SMS, made), waiting a little for it to appear.
	firstID := func(path string) string {
		var items []struct {
			ID string `json:"id"`
		}
		waitFor(t, "something listed at "+path, 30*time.Second, func() bool {
			call(t, http.MethodGet, api+path, nil, nil).decode(t, &items)
			return len(items) > 0
		})
		return items[0].ID
	}
	subscription, connection := firstID("/subscriptions"), firstID("/connections")
	conversation, user := firstID("/conversations"), firstID("/users")

	pages := []struct{ shot, path string }{
		{"definition-new", "/console/definitions/new"},
		{"definition-diff", "/console/definitions/" + definitionID + "/diff?from=1&to=2"},
		{"runs", "/console/runs"},
		{"connections", "/console/connections"},
		{"connection-edit", "/console/connections/" + connection + "/edit"},
		{"apps", "/console/apps"},
		{"app", "/console/apps/browser_crm"},
		{"subscriptions", "/console/subscriptions"},
		{"subscription-new", "/console/subscriptions/new"},
		{"subscription", "/console/subscriptions/" + subscription},
		{"subscription-edit", "/console/subscriptions/" + subscription + "/edit"},
		{"conversations", "/console/conversations"},
		{"conversation", "/console/conversations/" + conversation},
		{"users", "/console/conversations/users"},
		{"user", "/console/conversations/users/" + user},
	}
	b.signIn(t)
	for _, p := range pages {
		if status := b.open(t, p.path); status != http.StatusOK {
			t.Errorf("%s: %d", p.path, status)
			continue
		}
		b.check(t, p.shot, false)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
