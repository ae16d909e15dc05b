package auth

import "strings"

// challenge is one auth-scheme and its parameters from a WWW-Authenticate
// field (RFC 9110 §11.6.1). Parameter names are lower-cased.
type challenge struct {
	scheme string
	params map[string]string
}

// parseChallenges reads every challenge in the given WWW-Authenticate
// field values. It is lenient, as clients must be: unquoted values may
// hold any character but comma and space, and what it cannot read it
// skips.
func parseChallenges(values []string) []challenge {
	var out []challenge
	for _, v := range values {
		l := lexer{s: v}
		for {
			l.skip(" \t,")
			if l.done() {
				break
			}
			name := l.token()
			if name == "" {
				l.i++ // not a token character: skip it
				continue
			}
			l.skip(" \t")
			if l.peek() == '=' && len(out) > 0 {
				// A parameter of the current challenge (or a token68,
				// whose value reads as empty and is dropped).
				l.i++
				l.skip(" \t")
				if val, ok := l.value(); ok {
					out[len(out)-1].params[strings.ToLower(name)] = val
				}
				continue
			}
			out = append(out, challenge{scheme: strings.ToLower(name), params: map[string]string{}})
		}
	}
	return out
}

// parseParams reads a bare comma-separated auth-param list, such as an
// Authentication-Info or Authorization field's parameters.
func parseParams(s string) map[string]string {
	params := map[string]string{}
	l := lexer{s: s}
	for {
		l.skip(" \t,")
		if l.done() {
			return params
		}
		name := l.token()
		if name == "" {
			l.i++
			continue
		}
		l.skip(" \t")
		if l.peek() != '=' {
			continue
		}
		l.i++
		l.skip(" \t")
		if val, ok := l.value(); ok {
			params[strings.ToLower(name)] = val
		}
	}
}

type lexer struct {
	s string
	i int
}

func (l *lexer) done() bool { return l.i >= len(l.s) }

func (l *lexer) peek() byte {
	if l.done() {
		return 0
	}
	return l.s[l.i]
}

func (l *lexer) skip(set string) {
	for !l.done() && strings.IndexByte(set, l.s[l.i]) >= 0 {
		l.i++
	}
}

func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func (l *lexer) token() string {
	start := l.i
	for !l.done() && isTokenChar(l.s[l.i]) {
		l.i++
	}
	return l.s[start:l.i]
}

// value reads a quoted-string or an unquoted value. It reports false for an
// empty unquoted value (the tail of a token68 such as "abc==").
func (l *lexer) value() (string, bool) {
	if l.peek() != '"' {
		start := l.i
		for !l.done() && l.s[l.i] != ',' && l.s[l.i] != ' ' && l.s[l.i] != '\t' {
			l.i++
		}
		v := strings.TrimLeft(l.s[start:l.i], "=")
		return v, v != ""
	}
	l.i++
	var b strings.Builder
	for !l.done() {
		c := l.s[l.i]
		l.i++
		switch c {
		case '\\':
			if !l.done() {
				b.WriteByte(l.s[l.i])
				l.i++
			}
		case '"':
			return b.String(), true
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), true // unterminated: take what there is
}

// quote writes s as an HTTP quoted-string.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}
