package eventpattern

import (
	"strconv"
	"strings"
)

// EventBridge compares numbers as fixed-point values: six decimal places,
// between -5e9 and +5e9 inclusive. Numbers are held here as integer
// millionths ("micros"), which compare exactly where float64 would not
// (0.3 - 0.1 is 0.2 in micros).
const (
	maxMagnitude = 5_000_000_000
	microPerUnit = 1_000_000
	maxMicro     = maxMagnitude * microPerUnit
	maxDecimals  = 6
)

// Reasons EventBridge gives for a numeric operand it cannot represent.
const (
	reasonRange    = "Value must be between -5.0E9 and 5.0E9, inclusive"
	reasonDecimals = "Only values upto 6 decimals are supported"
)

// number is a JSON number's fixed-point form.
type number struct {
	micro   int64
	inRange bool // within ±5e9 (after rounding to six decimals)
	exact   bool // no more than six decimals
}

// parseNumber reads JSON number text (as the lexer or encoding/json
// checked it). It rounds half up to six decimals; exact says whether that
// lost anything.
func parseNumber(text string) number {
	i, neg := 0, false
	if i < len(text) && text[i] == '-' {
		neg, i = true, i+1
	}
	intStart := i
	for i < len(text) && isDigit(text[i]) {
		i++
	}
	intEnd := i
	fracStart, fracEnd := i, i
	if i < len(text) && text[i] == '.' {
		i++
		fracStart = i
		for i < len(text) && isDigit(text[i]) {
			i++
		}
		fracEnd = i
	}
	exp := 0
	if i < len(text) && (text[i] == 'e' || text[i] == 'E') {
		i++
		eneg := false
		if i < len(text) && (text[i] == '+' || text[i] == '-') {
			eneg, i = text[i] == '-', i+1
		}
		for ; i < len(text) && isDigit(text[i]); i++ {
			if exp < 1_000_000 { // far beyond any representable value
				exp = exp*10 + int(text[i]-'0')
			}
		}
		if eneg {
			exp = -exp
		}
	}
	ni, nf := intEnd-intStart, fracEnd-fracStart
	digit := func(k int) byte {
		if k < ni {
			return text[intStart+k]
		}
		return text[fracStart+k-ni]
	}
	first := 0
	for first < ni+nf && digit(first) == '0' {
		first++
	}
	if first == ni+nf {
		return number{inRange: true, exact: true}
	}
	sig := ni + nf - first          // significant digits
	shift := exp - nf + maxDecimals // micros = significand × 10^shift
	if sig+shift > 16 {
		return number{exact: shift >= 0 || allZero(digit, first+sig+shift, ni+nf)}
	}
	var m int64
	exact := true
	if shift >= 0 {
		for k := first; k < ni+nf; k++ {
			m = m*10 + int64(digit(k)-'0')
		}
		for range shift {
			m *= 10
		}
	} else {
		keep := sig + shift // digits before the decimal point of the micros
		for k := first; k < first+keep; k++ {
			m = m*10 + int64(digit(k)-'0')
		}
		if keep >= 0 && digit(first+keep) >= '5' {
			m++
		}
		exact = keep >= 0 && allZero(digit, first+keep, ni+nf)
	}
	if neg {
		m = -m
	}
	return number{micro: m, inRange: m >= -maxMicro && m <= maxMicro, exact: exact}
}

func allZero(digit func(int) byte, from, to int) bool {
	for k := max(from, 0); k < to; k++ {
		if digit(k) != '0' {
			return false
		}
	}
	return true
}

// operand parses a number used in a numeric, anything-but or "=" filter,
// which EventBridge requires to be representable; the error is its reason.
func operand(text string) (int64, string) {
	n := parseNumber(text)
	if !n.exact {
		return 0, reasonDecimals
	}
	if !n.inRange {
		return 0, reasonRange
	}
	return n.micro, ""
}

// canonical is a number's value as sign, significant digits and exponent,
// so that two spellings of one value (1e2, 100, 100.0) compare equal.
func canonical(text string) string {
	neg := strings.HasPrefix(text, "-")
	mant, expText, hasExp := strings.Cut(strings.ToLower(strings.TrimPrefix(text, "-")), "e")
	exp, err := strconv.Atoi(expText)
	if hasExp && err != nil {
		return text // an exponent past any use: compare the spelling
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := strings.TrimLeft(intPart+frac, "0")
	exp -= len(frac)
	trimmed := strings.TrimRight(digits, "0")
	exp += len(digits) - len(trimmed)
	if trimmed == "" {
		return "0"
	}
	sign := ""
	if neg {
		sign = "-"
	}
	return sign + trimmed + "e" + strconv.Itoa(exp)
}

// sameNumber reports whether two JSON numbers are equal as EventBridge
// compares them: to six decimals within ±5e9, exactly beyond.
func sameNumber(a, b string) bool {
	na, nb := parseNumber(a), parseNumber(b)
	if na.inRange && nb.inRange {
		return na.micro == nb.micro
	}
	if na.inRange != nb.inRange {
		return false
	}
	return canonical(a) == canonical(b)
}
