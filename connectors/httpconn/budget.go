package httpconn

import (
	"errors"
	"fmt"
)

// MaxExtractWork bounds the work of one extraction path on one answer:
// nodes visited and selected, roughly. A JSON path or an XPath is the
// definition's, and some make work that grows with a power of the
// answer's size ($..*..*..*, //*[.//*//*]): against a 1 MiB answer that is
// hours of a worker's time and gigabytes of memory. Ordinary paths use
// a few units per node of the answer, so a million is far above what any
// of them needs on the largest answer Do reads.
const MaxExtractWork = 1_000_000

// errWorkBudget ends an evaluation that spent its budget.
var errWorkBudget = errors.New("extraction work budget spent")

// workBudget counts an evaluation's work down. spend panics with
// errWorkBudget when it runs out, and the evaluation's entry point
// recovers it (see evaluate): the evaluators are recursive through
// filters and predicates, and a panic leaves each of their functions as
// simple as the language they evaluate, with no error to pass back at
// every level.
type workBudget struct{ left int }

func (b *workBudget) spend(n int) {
	b.left -= n
	if b.left < 0 {
		panic(errWorkBudget)
	}
}

// evaluate runs eval with a fresh budget of MaxExtractWork and turns its
// running out into an error. Any other panic is not the budget's and goes
// on.
func evaluate(eval func(*workBudget) any) (out any, err error) {
	defer func() {
		if r := recover(); r != nil {
			if r != errWorkBudget {
				panic(r)
			}
			out, err = nil, fmt.Errorf("the path needs more than %d units of work on this answer; select less (no nested .. or //)", MaxExtractWork)
		}
	}()
	return eval(&workBudget{left: MaxExtractWork}), nil
}
