package definition

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// callingCode assigns numbers to a country: those starting with code and then one of prefixes,
// or, when prefixes is empty, every number with the code that no other country of the same code
// claims through its prefixes.
type callingCode struct {
	code     string
	prefixes []string
}

// nanpCA lists the Canadian area codes of the North American Numbering Plan (+1), geographic and
// non-geographic (600, 622).
var nanpCA = strings.Fields(`204 226 236 249 250 257 263 289 306 343 354 365 367 368 382 403 416 418 428
	431 437 438 450 468 474 506 514 519 548 579 581 584 587 600 604 613 622 639 647 672 683 705 709 742
	753 778 780 782 807 819 825 867 873 879 902 905 942`)

// countryCallingCodes maps ISO 3166-1 alpha-2 codes to their E.164 country calling codes, after
// the ITU assignments as libphonenumber records them. Countries that share a code are told apart
// by the leading digits of the national number where that is possible (area codes in the +1
// plan, Guernsey, Jersey and the Isle of Man in +44, ...). Where it is not (Saint Barthélemy and
// Saint Martin share Guadeloupe's numbering), every number of the code matches each of them.
var countryCallingCodes = map[string][]callingCode{
	"US": {{code: "1"}}, "CA": {{"1", nanpCA}},
	"AG": {{"1", []string{"268"}}}, "AI": {{"1", []string{"264"}}}, "AS": {{"1", []string{"684"}}},
	"BB": {{"1", []string{"246"}}}, "BM": {{"1", []string{"441"}}}, "BS": {{"1", []string{"242"}}},
	"DM": {{"1", []string{"767"}}}, "DO": {{"1", []string{"809", "829", "849"}}}, "GD": {{"1", []string{"473"}}},
	"GU": {{"1", []string{"671"}}}, "JM": {{"1", []string{"658", "876"}}}, "KN": {{"1", []string{"869"}}},
	"KY": {{"1", []string{"345"}}}, "LC": {{"1", []string{"758"}}}, "MP": {{"1", []string{"670"}}},
	"MS": {{"1", []string{"664"}}}, "PR": {{"1", []string{"787", "939"}}}, "SX": {{"1", []string{"721"}}},
	"TC": {{"1", []string{"649"}}}, "TT": {{"1", []string{"868"}}}, "VC": {{"1", []string{"784"}}},
	"VG": {{"1", []string{"284"}}}, "VI": {{"1", []string{"340"}}},
	"RU": {{code: "7"}}, "KZ": {{"7", []string{"6", "7"}}},
	"EG": {{code: "20"}}, "ZA": {{code: "27"}}, "GR": {{code: "30"}}, "NL": {{code: "31"}}, "BE": {{code: "32"}},
	"FR": {{code: "33"}}, "ES": {{code: "34"}}, "HU": {{code: "36"}}, "IT": {{code: "39"}},
	"VA": {{"39", []string{"06698"}}, {code: "379"}},
	"RO": {{code: "40"}}, "CH": {{code: "41"}}, "AT": {{code: "43"}},
	"GB": {{code: "44"}}, "GG": {{"44", []string{"1481", "7781", "7839", "7911"}}},
	"IM": {{"44", []string{"1624", "74576", "7524", "7624", "7924"}}},
	"JE": {{"44", []string{"1534", "7509", "7700", "7797", "7829", "7937"}}},
	"DK": {{code: "45"}}, "SE": {{code: "46"}}, "NO": {{code: "47"}}, "SJ": {{"47", []string{"79"}}},
	"PL": {{code: "48"}}, "DE": {{code: "49"}}, "PE": {{code: "51"}}, "MX": {{code: "52"}}, "CU": {{code: "53"}},
	"AR": {{code: "54"}}, "BR": {{code: "55"}}, "CL": {{code: "56"}}, "CO": {{code: "57"}}, "VE": {{code: "58"}},
	"MY": {{code: "60"}}, "AU": {{code: "61"}}, "CC": {{"61", []string{"89162"}}}, "CX": {{"61", []string{"89164"}}},
	"ID": {{code: "62"}}, "PH": {{code: "63"}}, "NZ": {{code: "64"}}, "SG": {{code: "65"}}, "TH": {{code: "66"}},
	"JP": {{code: "81"}}, "KR": {{code: "82"}}, "VN": {{code: "84"}}, "CN": {{code: "86"}}, "TR": {{code: "90"}},
	"IN": {{code: "91"}}, "PK": {{code: "92"}}, "AF": {{code: "93"}}, "LK": {{code: "94"}}, "MM": {{code: "95"}},
	"IR": {{code: "98"}},
	"SS": {{code: "211"}}, "MA": {{code: "212"}}, "EH": {{"212", []string{"5288", "5289"}}}, "DZ": {{code: "213"}},
	"TN": {{code: "216"}}, "LY": {{code: "218"}}, "GM": {{code: "220"}}, "SN": {{code: "221"}}, "MR": {{code: "222"}},
	"ML": {{code: "223"}}, "GN": {{code: "224"}}, "CI": {{code: "225"}}, "BF": {{code: "226"}}, "NE": {{code: "227"}},
	"TG": {{code: "228"}}, "BJ": {{code: "229"}}, "MU": {{code: "230"}}, "LR": {{code: "231"}}, "SL": {{code: "232"}},
	"GH": {{code: "233"}}, "NG": {{code: "234"}}, "TD": {{code: "235"}}, "CF": {{code: "236"}}, "CM": {{code: "237"}},
	"CV": {{code: "238"}}, "ST": {{code: "239"}}, "GQ": {{code: "240"}}, "GA": {{code: "241"}}, "CG": {{code: "242"}},
	"CD": {{code: "243"}}, "AO": {{code: "244"}}, "GW": {{code: "245"}}, "IO": {{code: "246"}}, "AC": {{code: "247"}},
	"SC": {{code: "248"}}, "SD": {{code: "249"}}, "RW": {{code: "250"}}, "ET": {{code: "251"}}, "SO": {{code: "252"}},
	"DJ": {{code: "253"}}, "KE": {{code: "254"}}, "TZ": {{code: "255"}}, "UG": {{code: "256"}}, "BI": {{code: "257"}},
	"MZ": {{code: "258"}}, "ZM": {{code: "260"}}, "MG": {{code: "261"}},
	"RE": {{code: "262"}}, "YT": {{"262", []string{"269", "639"}}},
	"ZW": {{code: "263"}}, "NA": {{code: "264"}}, "MW": {{code: "265"}}, "LS": {{code: "266"}}, "BW": {{code: "267"}},
	"SZ": {{code: "268"}}, "KM": {{code: "269"}}, "SH": {{code: "290"}}, "TA": {{"290", []string{"8"}}},
	"ER": {{code: "291"}}, "AW": {{code: "297"}}, "FO": {{code: "298"}}, "GL": {{code: "299"}},
	"GI": {{code: "350"}}, "PT": {{code: "351"}}, "LU": {{code: "352"}}, "IE": {{code: "353"}}, "IS": {{code: "354"}},
	"AL": {{code: "355"}}, "MT": {{code: "356"}}, "CY": {{code: "357"}}, "FI": {{code: "358"}}, "AX": {{"358", []string{"18"}}},
	"BG": {{code: "359"}}, "LT": {{code: "370"}}, "LV": {{code: "371"}}, "EE": {{code: "372"}}, "MD": {{code: "373"}},
	"AM": {{code: "374"}}, "BY": {{code: "375"}}, "AD": {{code: "376"}}, "MC": {{code: "377"}}, "SM": {{code: "378"}},
	"UA": {{code: "380"}}, "RS": {{code: "381"}}, "ME": {{code: "382"}}, "XK": {{code: "383"}}, "HR": {{code: "385"}},
	"SI": {{code: "386"}}, "BA": {{code: "387"}}, "MK": {{code: "389"}}, "CZ": {{code: "420"}}, "SK": {{code: "421"}},
	"LI": {{code: "423"}}, "FK": {{code: "500"}}, "GS": {{code: "500"}}, "BZ": {{code: "501"}}, "GT": {{code: "502"}},
	"SV": {{code: "503"}}, "HN": {{code: "504"}}, "NI": {{code: "505"}}, "CR": {{code: "506"}}, "PA": {{code: "507"}},
	"PM": {{code: "508"}}, "HT": {{code: "509"}},
	"GP": {{code: "590"}}, "BL": {{code: "590"}}, "MF": {{code: "590"}},
	"BO": {{code: "591"}}, "GY": {{code: "592"}}, "EC": {{code: "593"}}, "GF": {{code: "594"}}, "PY": {{code: "595"}},
	"MQ": {{code: "596"}}, "SR": {{code: "597"}}, "UY": {{code: "598"}},
	"CW": {{code: "599"}}, "BQ": {{"599", []string{"3", "4", "7"}}},
	"TL": {{code: "670"}}, "NF": {{code: "672"}}, "AQ": {{"672", []string{"1"}}}, "BN": {{code: "673"}},
	"NR": {{code: "674"}}, "PG": {{code: "675"}}, "TO": {{code: "676"}}, "SB": {{code: "677"}}, "VU": {{code: "678"}},
	"FJ": {{code: "679"}}, "PW": {{code: "680"}}, "WF": {{code: "681"}}, "CK": {{code: "682"}}, "NU": {{code: "683"}},
	"WS": {{code: "685"}}, "KI": {{code: "686"}}, "NC": {{code: "687"}}, "TV": {{code: "688"}}, "PF": {{code: "689"}},
	"TK": {{code: "690"}}, "FM": {{code: "691"}}, "MH": {{code: "692"}},
	"KP": {{code: "850"}}, "HK": {{code: "852"}}, "MO": {{code: "853"}}, "KH": {{code: "855"}}, "LA": {{code: "856"}},
	"BD": {{code: "880"}}, "TW": {{code: "886"}},
	"MV": {{code: "960"}}, "LB": {{code: "961"}}, "JO": {{code: "962"}}, "SY": {{code: "963"}}, "IQ": {{code: "964"}},
	"KW": {{code: "965"}}, "SA": {{code: "966"}}, "YE": {{code: "967"}}, "OM": {{code: "968"}}, "PS": {{code: "970"}},
	"AE": {{code: "971"}}, "IL": {{code: "972"}}, "BH": {{code: "973"}}, "QA": {{code: "974"}}, "BT": {{code: "975"}},
	"MN": {{code: "976"}}, "NP": {{code: "977"}}, "TJ": {{code: "992"}}, "TM": {{code: "993"}}, "AZ": {{code: "994"}},
	"GE": {{code: "995"}}, "KG": {{code: "996"}}, "UZ": {{code: "998"}},
}

// claimedPrefixes maps a calling code to the national prefixes that belong to a country other
// than the code's main one ("1" -> "204", "242", ...).
var claimedPrefixes = func() map[string][]string {
	m := map[string][]string{}
	for _, ccs := range countryCallingCodes {
		for _, cc := range ccs {
			m[cc.code] = append(m[cc.code], cc.prefixes...)
		}
	}
	return m
}()

// normalizeMSISDN reduces a phone number to its digits in international form: "+65 1234-5678",
// "0065 12345678" and "6512345678" all give "6512345678". ok is false for text that is not a
// phone number (such as a chat-apps user id that is not numeric).
func normalizeMSISDN(v any) (string, bool) {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	default:
		f, isNumber := toFloat(v)
		if !isNumber || f < 0 || f != math.Trunc(f) || f > 1e15 {
			return "", false
		}
		s = strconv.FormatFloat(f, 'f', 0, 64)
	}
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "+")
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/':
		default:
			return "", false
		}
	}
	d := b.String()
	d = strings.TrimPrefix(d, "00")
	if len(d) < 4 || len(d) > 15 {
		return "", false
	}
	return d, true
}

// isCountryCode(phoneNumber, countryCode), as in 8x8: whether the number belongs to the
// country. countryCode is an ISO 3166-1 alpha-2 code ("SG"; "UK" is read as "GB") or a calling
// code ("+65"). A value that is not a phone number gives false.
func fnIsCountryCode(m *meter, args []any) (any, error) {
	const name = "isCountryCode"
	cc, err := stringArg(name, args, 1)
	if err != nil {
		return nil, err
	}
	if err := m.spend(8); err != nil {
		return nil, err
	}
	number, ok := normalizeMSISDN(args[0])
	cc = strings.TrimSpace(cc)
	if code, isCalling := strings.CutPrefix(cc, "+"); isCalling {
		if _, ok := digits(code, 1, 3); !ok {
			return nil, fmt.Errorf("%s: %q is not a calling code such as +65", name, abbreviate(cc, 10))
		}
		return ok && strings.HasPrefix(number, code), nil
	}
	iso := strings.ToUpper(cc)
	if iso == "UK" {
		iso = "GB"
	}
	codes, known := countryCallingCodes[iso]
	if !known {
		return nil, fmt.Errorf("%s: %q is not an ISO 3166 country code such as SG or US", name, abbreviate(cc, 10))
	}
	if !ok {
		return false, nil
	}
	return matchesCallingCode(number, codes), nil
}

func matchesCallingCode(number string, codes []callingCode) bool {
	for _, cc := range codes {
		rest, ok := strings.CutPrefix(number, cc.code)
		if !ok {
			continue
		}
		list := cc.prefixes
		if len(list) == 0 {
			// The main country: every number not claimed by another country of the code.
			claimed := false
			for _, p := range claimedPrefixes[cc.code] {
				if strings.HasPrefix(rest, p) {
					claimed = true
					break
				}
			}
			if !claimed {
				return true
			}
			continue
		}
		for _, p := range list {
			if strings.HasPrefix(rest, p) {
				return true
			}
		}
	}
	return false
}
