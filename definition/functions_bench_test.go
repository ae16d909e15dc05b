package definition

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
)

// functionCallsTemplate calls most of Junction's functions once, so that the benchmarks below
// measure the path every call takes: the rewriter's lookup and arity check when compiling, the
// meter adapter and the implementation when evaluating.
const functionCallsTemplate = "{{isCountryCode(data.msisdn, 'SG')}} {{stringContains(data.channel, '1234')}} " +
	"{{isTimeOfDayBetween(data.ts, '09:00:00', '18:00:00', 'Singapore Standard Time')}} {{isDayOfWeek(data.ts, 'weekday')}} " +
	"{{now()}} {{uuid()}} {{repeat('ab', 3)}} {{replace('a b c', ' ', '-')}} {{join(['a', 'b'], ',')}} {{string(42)}} " +
	"{{substring('ORDER-1234', 6)}} {{padStart(7, 3, '0')}} {{padEnd('ab', 5, '.')}} {{urlEncode('a b&c')}} " +
	"{{toNumber('3.5')}} {{round(2.345, 2)}} {{formatNumber(1234567.891, 2)}} {{formatDate(data.ts, 'yyyy-MM-dd', 'UTC')}} " +
	"{{parseDate('01/05/2024 17:30', 'dd/MM/yyyy HH:mm')}} {{addDuration(data.ts, '1.00:00:00')}} {{dateDiff(data.ts, now(), 'days')}} " +
	"{{toJSON(item)}} {{concat([1], [2, 3])}} {{flatten([1, [2, [3]]])}} {{keys(item)}} {{values(item)}} {{toPairs(item)}} " +
	"{{uniq([1, 1, 2])}} {{unique(['a', 'a'])}} {{default(data.missing, 'x')}} {{coalesce(data.missing, '', 'y')}}"

// BenchmarkRenderFunctionCalls evaluates compiled (cached) expressions that call functions.
func BenchmarkRenderFunctionCalls(b *testing.B) {
	env := fnEnv()
	if _, err := RenderString(functionCallsTemplate, env); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := RenderString(functionCallsTemplate, env); err != nil {
			b.Fatal(err)
		}
	}
}

// compiledSources numbers the sources BenchmarkCompileFunctionCalls compiles, across all its runs,
// so that the compile cache never answers.
var compiledSources atomic.Int64

// BenchmarkCompileFunctionCalls compiles expressions that call functions.
func BenchmarkCompileFunctionCalls(b *testing.B) {
	const calls = "repeat('ab', 3) + replace('a b', ' ', '-') + join(['a'], ',') + padStart(7, 3, '0') + " +
		"string(round(2.345, 2)) + formatDate(data.ts) + toJSON(concat([1], [2])) + default(data.x, 'y') + string(coalesce(1))"
	for b.Loop() {
		if _, err := compile(fmt.Sprintf("%s + '%d'", calls, compiledSources.Add(1))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBudgetExhaustion measures how long a runaway expression runs
// before the work budget stops it (TestLimits checks that it is stopped):
// the time a hostile definition can hold a worker per render.
func BenchmarkBudgetExhaustion(b *testing.B) {
	for _, expr := range []string{
		"{{toJSON(reduce(1..60, [#acc, #acc], 1))}}",
		"{{reduce(1..100, #acc + #acc, 'x')}}",
		"{{uniq(1..150000)}}",
	} {
		b.Run(expr, func(b *testing.B) {
			for b.Loop() {
				if _, err := RenderString(expr, Env{}); !errors.Is(err, ErrLimit) {
					b.Fatalf("error = %v, want ErrLimit", err)
				}
			}
		})
	}
}
