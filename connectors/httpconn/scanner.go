package httpconn

import (
	"fmt"
	"strings"
)

// scanner is the cursor the JSON path and XPath parsers share: the source,
// the offset read so far, and the small reads both grammars are built on.
type scanner struct {
	// lang names the language in errors: "JSON path", "XPath".
	lang string
	src  string
	i    int
}

func (p *scanner) errorf(format string, args ...any) error {
	return fmt.Errorf("%s %q at offset %d: %s", p.lang, p.src, p.i, fmt.Sprintf(format, args...))
}

// rest is what is left to read, cut short for error messages.
func (p *scanner) rest() string {
	r := p.src[p.i:]
	if len(r) > 12 {
		r = r[:12] + "…"
	}
	return r
}

func (p *scanner) peek() byte {
	if p.i < len(p.src) {
		return p.src[p.i]
	}
	return 0
}

// eat consumes s if the source continues with it.
func (p *scanner) eat(s string) bool {
	if strings.HasPrefix(p.src[p.i:], s) {
		p.i += len(s)
		return true
	}
	return false
}

// space skips white space.
func (p *scanner) space() {
	for p.i < len(p.src) && strings.IndexByte(" \t\n\r", p.src[p.i]) >= 0 {
		p.i++
	}
}

// chain parses operand (sep operand)*, the shape of the || and && of JSON
// path filters and of the or and and of XPath predicates: one operand
// stands for itself; more are joined, in order, by join.
func chain[E any, L ~[]E](operand func() (E, error), sep func() bool, join func(L) E) (E, error) {
	var list L
	for {
		e, err := operand()
		if err != nil {
			var zero E
			return zero, err
		}
		list = append(list, e)
		if !sep() {
			break
		}
	}
	if len(list) == 1 {
		return list[0], nil
	}
	return join(list), nil
}
