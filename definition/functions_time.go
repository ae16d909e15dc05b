package definition

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// isoLayout is how date functions return a time: RFC 3339 with milliseconds.
const isoLayout = "2006-01-02T15:04:05.000Z07:00"

// instant is a parsed timestamp argument.
type instant struct {
	t        time.Time
	zoned    bool // the text carried an offset (or was Unix time)
	dateOnly bool // the text was a date without a time
}

// Layouts of timestamps with an offset, without one, and dates.
var (
	zonedLayouts = []string{
		"2006-01-02T15:04:05Z07:00", "2006-01-02 15:04:05Z07:00",
		"2006-01-02T15:04:05Z0700", "2006-01-02 15:04:05Z0700",
		"2006-01-02T15:04Z07:00", "2006-01-02T15:04:05Z07",
	}
	localLayouts = []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04"}
)

// parseInstant reads a timestamp argument: an ISO 8601 / RFC 3339 string (with or without an
// offset, or a date alone) or a number of seconds since 1970-01-01 UTC.
func parseInstant(v any) (instant, error) {
	if t, ok := v.(time.Time); ok {
		return instant{t: t, zoned: true}, nil
	}
	if f, ok := toFloat(v); ok {
		if math.IsNaN(f) || math.Abs(f) > 1e11 {
			return instant{}, fmt.Errorf("the Unix time %v is out of range", f)
		}
		sec, frac := math.Modf(f)
		return instant{t: time.Unix(int64(sec), int64(frac*1e9)).UTC(), zoned: true}, nil
	}
	s, ok := v.(string)
	if !ok {
		return instant{}, fmt.Errorf("must be an ISO 8601 timestamp such as 2024-05-01T09:30:00Z, not %s", typeName(v))
	}
	s = strings.TrimSpace(s)
	if len(s) > 64 {
		return instant{}, fmt.Errorf("%q is not an ISO 8601 timestamp", abbreviate(s, 40))
	}
	if len(s) == 10 {
		if t, err := time.Parse("2006-01-02", s); err == nil {
			return instant{t: t, dateOnly: true}, nil
		}
	}
	for _, l := range zonedLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return instant{t: t, zoned: true}, nil
		}
	}
	for _, l := range localLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return instant{t: t}, nil
		}
	}
	return instant{}, fmt.Errorf("%q is not an ISO 8601 timestamp such as 2024-05-01T09:30:00Z", s)
}

// in returns the instant as a time in loc: a timestamp with an offset is converted, one without
// is read as wall-clock time in loc.
func (i instant) in(loc *time.Location) time.Time {
	if i.zoned {
		return i.t.In(loc)
	}
	t := i.t
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
}

// parseTime reads a timestamp string; without an offset it is wall-clock time in loc (UTC when
// loc is nil).
func parseTime(s string, loc *time.Location) (time.Time, error) {
	i, err := parseInstant(s)
	if err != nil {
		return time.Time{}, err
	}
	if loc == nil {
		loc = time.UTC
	}
	return i.in(loc), nil
}

func formatISO(t time.Time) string { return t.Format(isoLayout) }

// timeZoneArg reads an optional time-zone argument; absent or "" means UTC.
func timeZoneArg(name string, args []any, i int) (*time.Location, error) {
	if i >= len(args) || args[i] == nil {
		return time.UTC, nil
	}
	id, err := stringArg(name, args, i)
	if err != nil {
		return nil, err
	}
	loc, err := loadTimeZone(id)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return loc, nil
}

func instantArg(name string, args []any, i int) (instant, error) {
	in, err := parseInstant(args[i])
	if err != nil {
		return instant{}, fmt.Errorf("%s: argument %d %s", name, i+1, strings.TrimPrefix(err.Error(), "must be "))
	}
	return in, nil
}

// chargedInstant spends the flat cost of isTimeOfDayBetween, addDuration
// and dateDiff, then reads their first argument: the instant each works on.
func chargedInstant(m *meter, name string, args []any) (instant, error) {
	if err := m.spend(16); err != nil {
		return instant{}, err
	}
	return instantArg(name, args, 0)
}

// now(): the current time as an RFC 3339 string in UTC with milliseconds. Inside a workflow it is
// workflow time (Env.Now).
func fnNow(m *meter, args []any) (any, error) {
	if m.now == nil {
		return nil, fmt.Errorf("now() is not available here: no clock was provided")
	}
	return formatISO(m.now().UTC()), m.spend(32)
}

// uuid(): a new random UUID. Inside a workflow it is a recorded side effect (Env.UUID).
func fnUUID(m *meter, args []any) (any, error) {
	if m.uuid == nil {
		return nil, fmt.Errorf("uuid() is not available here: no id source was provided")
	}
	return m.uuid(), m.spend(36)
}

// timeOfDay parses HH:mm[:ss] into seconds since midnight.
func timeOfDay(name string, args []any, i int) (int, error) {
	s, err := stringArg(name, args, i)
	if err != nil {
		return 0, err
	}
	bad := fmt.Errorf("%s: argument %d must be a time of day HH:mm:ss such as 09:00:00, not %q", name, i+1, abbreviate(s, 20))
	parts := strings.Split(strings.TrimSpace(s), ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, bad
	}
	h, ok := digits(parts[0], 1, 2)
	if !ok || h > 23 {
		return 0, bad
	}
	mi, ok := digits(parts[1], 2, 2)
	if !ok || mi > 59 {
		return 0, bad
	}
	var sec int64
	if len(parts) == 3 {
		secPart, _, _ := strings.Cut(parts[2], ".")
		if sec, ok = digits(secPart, 2, 2); !ok || sec > 59 {
			return 0, bad
		}
	}
	return int(h*3600 + mi*60 + sec), nil
}

// isTimeOfDayBetween(timestamp, from, to, timeZone = "UTC"), as in 8x8: whether the time of day
// of timestamp in timeZone lies between from and to, both included (to the second). When from is
// later than to the range crosses midnight: 22:00:00 to 06:00:00 holds at 23:00 and at 05:00.
func fnIsTimeOfDayBetween(m *meter, args []any) (any, error) {
	const name = "isTimeOfDayBetween"
	in, err := chargedInstant(m, name, args)
	if err != nil {
		return nil, err
	}
	from, err := timeOfDay(name, args, 1)
	if err != nil {
		return nil, err
	}
	to, err := timeOfDay(name, args, 2)
	if err != nil {
		return nil, err
	}
	loc, err := timeZoneArg(name, args, 3)
	if err != nil {
		return nil, err
	}
	t := in.in(loc)
	tod := t.Hour()*3600 + t.Minute()*60 + t.Second()
	if from <= to {
		return from <= tod && tod <= to, nil
	}
	return tod >= from || tod <= to, nil
}

var weekdays = map[string]time.Weekday{
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// dayMatches reports whether day (a day name, "weekday" or "weekend") names wd.
func dayMatches(name string, day any, wd time.Weekday) (bool, error) {
	s, ok := day.(string)
	if !ok {
		return false, fmt.Errorf("%s: a day must be a name such as Monday, not %s", name, typeName(day))
	}
	switch k := strings.ToLower(strings.TrimSpace(s)); k {
	case "weekday":
		return wd != time.Saturday && wd != time.Sunday, nil
	case "weekend":
		return wd == time.Saturday || wd == time.Sunday, nil
	default:
		want, ok := weekdays[k]
		if !ok {
			return false, fmt.Errorf("%s: unknown day %q: use Monday ... Sunday, Mon ... Sun, weekday or weekend", name, abbreviate(s, 20))
		}
		return want == wd, nil
	}
}

// isDayOfWeek(timestamp, day, timeZone), as in 8x8: whether the date falls on day (Monday ...
// Sunday, any case; also Mon ... Sun, "weekday", "weekend", or an array of these, any of which
// may match). A date alone ("2021-05-25") is that calendar day; a timestamp with an offset is
// converted to timeZone when one is given, otherwise read at its own offset.
func fnIsDayOfWeek(m *meter, args []any) (any, error) {
	const name = "isDayOfWeek"
	in, err := instantArg(name, args, 0)
	if err != nil {
		return nil, err
	}
	t := in.t
	if len(args) == 3 && args[2] != nil && !in.dateOnly {
		loc, err := timeZoneArg(name, args, 2)
		if err != nil {
			return nil, err
		}
		t = in.in(loc)
	}
	wd := t.Weekday()
	if arr, err := arrayArg(name, args, 1); err == nil {
		if err := m.spend(1 + arr.Len()); err != nil {
			return nil, err
		}
		for i := range arr.Len() {
			ok, err := dayMatches(name, arr.Index(i).Interface(), wd)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	}
	if err := m.spend(1); err != nil {
		return nil, err
	}
	return dayMatches(name, args[1], wd)
}

// formatDate(timestamp, layout = "iso", timeZone = "UTC"): the time in timeZone written with a
// layout of .NET-style tokens (yyyy-MM-dd HH:mm:ss), "iso" for RFC 3339, or "unix" for a number
// of seconds.
func fnFormatDate(m *meter, args []any) (any, error) {
	const name = "formatDate"
	in, err := instantArg(name, args, 0)
	if err != nil {
		return nil, err
	}
	layout := "iso"
	if len(args) >= 2 && args[1] != nil {
		if layout, err = stringArg(name, args, 1); err != nil {
			return nil, err
		}
	}
	loc, err := timeZoneArg(name, args, 2)
	if err != nil {
		return nil, err
	}
	if err := m.spend(16 + 4*len(layout)); err != nil {
		return nil, err
	}
	t := in.in(loc)
	switch strings.ToLower(layout) {
	case "iso", "rfc3339":
		return formatISO(t), nil
	case "unix":
		return t.Unix(), nil
	case "unixmillis":
		return t.UnixMilli(), nil
	}
	toks, err := dateTokens(layout)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return formatTokens(t, toks), nil
}

// parseDate(text, layout = "", timeZone = "UTC"): the time text denotes, as an RFC 3339 string
// in UTC. Without a layout, text is ISO 8601 (a time without an offset is wall-clock time in
// timeZone) or a number of Unix seconds; with one, it is read with the tokens of formatDate.
func fnParseDate(m *meter, args []any) (any, error) {
	const name = "parseDate"
	loc, err := timeZoneArg(name, args, 2)
	if err != nil {
		return nil, err
	}
	layout := ""
	if len(args) >= 2 && args[1] != nil {
		if layout, err = stringArg(name, args, 1); err != nil {
			return nil, err
		}
	}
	if err := m.spend(16 + 4*len(layout)); err != nil {
		return nil, err
	}
	if layout == "" || strings.EqualFold(layout, "iso") || strings.EqualFold(layout, "rfc3339") {
		in, err := instantArg(name, args, 0)
		if err != nil {
			return nil, err
		}
		return formatISO(in.in(loc).UTC()), nil
	}
	s, err := stringArg(name, args, 0)
	if err != nil {
		return nil, err
	}
	if err := m.spend(len(s)); err != nil {
		return nil, err
	}
	toks, err := dateTokens(layout)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	t, err := parseTokens(s, toks, loc)
	if err != nil {
		return nil, fmt.Errorf("%s: %q does not match layout %q: %w", name, abbreviate(s, 40), layout, err)
	}
	return formatISO(t.UTC()), nil
}

// addDuration(timestamp, duration): timestamp plus duration (ParseDuration's forms, negative to
// go back, or a number of seconds), as an RFC 3339 string in UTC.
func fnAddDuration(m *meter, args []any) (any, error) {
	const name = "addDuration"
	in, err := chargedInstant(m, name, args)
	if err != nil {
		return nil, err
	}
	var d time.Duration
	switch v := args[1].(type) {
	case string:
		if d, err = ParseDuration(v); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	default:
		f, ok := toFloat(v)
		if !ok || math.IsNaN(f) || math.Abs(f) > float64(math.MaxInt64/int64(time.Second)) {
			return nil, fmt.Errorf("%s: argument 2 must be a duration such as \"1.00:00:00\" or \"90m\", or a number of seconds", name)
		}
		d = time.Duration(f * float64(time.Second))
	}
	return formatISO(in.in(time.UTC).Add(d).UTC()), nil
}

var diffUnits = map[string]time.Duration{
	"milliseconds": time.Millisecond, "seconds": time.Second, "minutes": time.Minute,
	"hours": time.Hour, "days": 24 * time.Hour, "weeks": 7 * 24 * time.Hour,
}

// dateDiff(from, to, unit = "seconds"): to minus from in milliseconds, seconds, minutes, hours,
// days or weeks; fractional, negative when to is earlier.
func fnDateDiff(m *meter, args []any) (any, error) {
	const name = "dateDiff"
	from, err := chargedInstant(m, name, args)
	if err != nil {
		return nil, err
	}
	to, err := instantArg(name, args, 1)
	if err != nil {
		return nil, err
	}
	unit := time.Second
	if len(args) == 3 && args[2] != nil {
		u, err := stringArg(name, args, 2)
		if err != nil {
			return nil, err
		}
		k := strings.ToLower(u)
		if !strings.HasSuffix(k, "s") {
			k += "s"
		}
		var ok bool
		if unit, ok = diffUnits[k]; !ok {
			return nil, fmt.Errorf("%s: unknown unit %q: use milliseconds, seconds, minutes, hours, days or weeks", name, abbreviate(u, 20))
		}
	}
	a, b := from.in(time.UTC), to.in(time.UTC)
	// Sub saturates for spans beyond ~292 years; compute in seconds instead.
	secs := float64(b.Unix()-a.Unix()) + float64(b.Nanosecond()-a.Nanosecond())/1e9
	return secs / unit.Seconds(), nil
}

// dateToken is one piece of a date layout: a field token such as "yyyy" or literal text.
type dateToken struct {
	tok     string // "" for literal text
	literal string
}

// dateTokenNames are the layout tokens, longest first where they share a letter.
var dateTokenNames = []string{
	"yyyy", "yy", "MMMM", "MMM", "MM", "M", "dddd", "ddd", "dd", "d", "HH", "H", "hh", "h",
	"mm", "m", "ss", "s", "fffffffff", "ffffff", "fff", "ff", "f", "tt", "zzz", "zz", "K",
}

// dateTokens splits a layout into tokens. Text in single quotes is literal; letters that are not
// tokens are an error, so that a typo does not print itself.
func dateTokens(layout string) ([]dateToken, error) {
	if len(layout) > 100 {
		return nil, fmt.Errorf("layout is longer than 100 characters")
	}
	var toks []dateToken
	lit := func(s string) {
		if n := len(toks); n > 0 && toks[n-1].tok == "" {
			toks[n-1].literal += s
			return
		}
		toks = append(toks, dateToken{literal: s})
	}
	for i := 0; i < len(layout); {
		c := layout[i]
		if c == '\'' {
			end := strings.IndexByte(layout[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("layout %q has an unclosed quote", layout)
			}
			if end == 0 {
				lit("'")
			} else {
				lit(layout[i+1 : i+1+end])
			}
			i += end + 2
			continue
		}
		matched := false
		for _, name := range dateTokenNames {
			if strings.HasPrefix(layout[i:], name) {
				toks = append(toks, dateToken{tok: name})
				i += len(name)
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		if isLetter(c) {
			return nil, fmt.Errorf("layout %q: %q is not a date token (use yyyy, MM, dd, HH, mm, ss, fff, tt, zzz; quote literal text)", layout, string(c))
		}
		lit(string(c))
		i++
	}
	return toks, nil
}

func formatTokens(t time.Time, toks []dateToken) string {
	var b strings.Builder
	pad := func(n, width int) {
		s := strconv.Itoa(n)
		for i := len(s); i < width; i++ {
			b.WriteByte('0')
		}
		b.WriteString(s)
	}
	for _, tk := range toks {
		switch tk.tok {
		case "":
			b.WriteString(tk.literal)
		case "yyyy":
			pad(t.Year(), 4)
		case "yy":
			pad(t.Year()%100, 2)
		case "MMMM":
			b.WriteString(t.Month().String())
		case "MMM":
			b.WriteString(t.Month().String()[:3])
		case "MM":
			pad(int(t.Month()), 2)
		case "M":
			pad(int(t.Month()), 1)
		case "dddd":
			b.WriteString(t.Weekday().String())
		case "ddd":
			b.WriteString(t.Weekday().String()[:3])
		case "dd":
			pad(t.Day(), 2)
		case "d":
			pad(t.Day(), 1)
		case "HH":
			pad(t.Hour(), 2)
		case "H":
			pad(t.Hour(), 1)
		case "hh", "h":
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			pad(h, len(tk.tok))
		case "mm":
			pad(t.Minute(), 2)
		case "m":
			pad(t.Minute(), 1)
		case "ss":
			pad(t.Second(), 2)
		case "s":
			pad(t.Second(), 1)
		case "tt":
			if t.Hour() < 12 {
				b.WriteString("AM")
			} else {
				b.WriteString("PM")
			}
		case "zzz", "zz", "K":
			_, off := t.Zone()
			if tk.tok == "K" && off == 0 {
				b.WriteByte('Z')
				continue
			}
			sign := byte('+')
			if off < 0 {
				sign, off = '-', -off
			}
			b.WriteByte(sign)
			pad(off/3600, 2)
			if tk.tok != "zz" {
				b.WriteByte(':')
				pad(off%3600/60, 2)
			}
		default: // f...: fractional seconds
			n := len(tk.tok)
			frac := t.Nanosecond()
			for range 9 - n {
				frac /= 10
			}
			pad(frac, n)
		}
	}
	return b.String()
}

// parseTokens reads s with a layout; fields it lacks default to 1 January 0001 00:00:00 (as in
// .NET, a time without a date is on day one), and a text without an offset is in loc.
func parseTokens(s string, toks []dateToken, loc *time.Location) (time.Time, error) {
	year, month, day, hour, minute, sec, nsec := 1, 1, 1, 0, 0, 0, 0
	pm, hasAMPM, hour12 := false, false, false
	var offset *int
	num := func(minLen, maxLen int) (int, error) {
		n := 0
		for n < maxLen && n < len(s) && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		if n < minLen {
			return 0, fmt.Errorf("expected %d digits at %q", minLen, abbreviate(s, 10))
		}
		v, _ := strconv.Atoi(s[:n])
		s = s[n:]
		return v, nil
	}
	name := func(names []string) (int, error) {
		for i, nm := range names {
			if len(s) >= len(nm) && strings.EqualFold(s[:len(nm)], nm) {
				s = s[len(nm):]
				return i, nil
			}
		}
		return 0, fmt.Errorf("expected a name at %q", abbreviate(s, 10))
	}
	var months, monthsShort, days, daysShort []string
	for i := time.January; i <= time.December; i++ {
		months = append(months, i.String())
		monthsShort = append(monthsShort, i.String()[:3])
	}
	for i := time.Sunday; i <= time.Saturday; i++ {
		days = append(days, i.String())
		daysShort = append(daysShort, i.String()[:3])
	}
	var err error
	for _, tk := range toks {
		switch tk.tok {
		case "":
			if !strings.HasPrefix(s, tk.literal) {
				return time.Time{}, fmt.Errorf("expected %q at %q", tk.literal, abbreviate(s, 10))
			}
			s = s[len(tk.literal):]
		case "yyyy":
			year, err = num(4, 4)
		case "yy":
			year, err = num(2, 2)
			year += 2000
		case "MMMM", "MMM":
			var i int
			if tk.tok == "MMMM" {
				i, err = name(months)
			} else {
				i, err = name(monthsShort)
			}
			month = i + 1
		case "MM":
			month, err = num(2, 2)
		case "M":
			month, err = num(1, 2)
		case "dddd":
			_, err = name(days)
		case "ddd":
			_, err = name(daysShort)
		case "dd":
			day, err = num(2, 2)
		case "d":
			day, err = num(1, 2)
		case "HH":
			hour, err = num(2, 2)
		case "H":
			hour, err = num(1, 2)
		case "hh":
			hour, err = num(2, 2)
			hour12 = true
		case "h":
			hour, err = num(1, 2)
			hour12 = true
		case "mm":
			minute, err = num(2, 2)
		case "m":
			minute, err = num(1, 2)
		case "ss":
			sec, err = num(2, 2)
		case "s":
			sec, err = num(1, 2)
		case "tt":
			var i int
			i, err = name([]string{"AM", "PM"})
			pm, hasAMPM = i == 1, true
		case "zzz", "zz", "K":
			if tk.tok == "K" && strings.HasPrefix(s, "Z") {
				s = s[1:]
				zero := 0
				offset = &zero
				continue
			}
			if s == "" || (s[0] != '+' && s[0] != '-') {
				return time.Time{}, fmt.Errorf("expected an offset such as +08:00 at %q", abbreviate(s, 10))
			}
			sign := 1
			if s[0] == '-' {
				sign = -1
			}
			s = s[1:]
			var h, mi int
			if h, err = num(2, 2); err == nil && tk.tok != "zz" {
				s = strings.TrimPrefix(s, ":")
				mi, err = num(2, 2)
			}
			off := sign * (h*3600 + mi*60)
			offset = &off
		default:
			var f int
			n := len(tk.tok)
			if f, err = num(n, n); err == nil {
				for range 9 - n {
					f *= 10
				}
				nsec = f
			}
		}
		if err != nil {
			return time.Time{}, err
		}
	}
	if s != "" {
		return time.Time{}, fmt.Errorf("unexpected %q at the end", abbreviate(s, 10))
	}
	if hour12 || hasAMPM {
		if hour < 1 || hour > 12 {
			return time.Time{}, fmt.Errorf("hour %d is out of range for a 12-hour clock", hour)
		}
		hour %= 12
		if pm {
			hour += 12
		}
	}
	if offset != nil {
		loc = time.FixedZone("", *offset)
	}
	if month < 1 || month > 12 || day < 1 || day > time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day() ||
		hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, fmt.Errorf("no such date or time")
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc), nil
}
