package status

import (
	"errors"
	"math"
	"math/bits"
	"strconv"
	"strings"

	"github.com/haltonlabs/halton-meter-bar/internal/text"
)

// USD is an amount of money in the daemon's minor units (1 USD = 100,000).
// It writes itself in JSON as dollars, exactly: 421000 is 4.21. Every
// method is exact and overflow-free over the whole int64 range: the
// arithmetic is on the magnitude, in uint64, which holds |math.MinInt64|.
type USD int64

// MinorPerDollar is the daemon's money unit.
const MinorPerDollar = 100000

// MaxDayCost is the most one day of metered calls is believed to cost: a
// figure past it is not a figure. It also bounds a daily budget.
const MaxDayCost = USD(1_000_000 * MinorPerDollar)

// MaxBudget bounds a daily budget: a million dollars a day is surely a typo.
const MaxBudget = MaxDayCost

// magnitude is |u| and whether u is negative, exact for math.MinInt64.
func (u USD) magnitude() (uint64, bool) {
	if u < 0 {
		return uint64(^int64(u)) + 1, true
	}
	return uint64(u), false
}

// MarshalJSON writes the exact decimal number of dollars.
func (u USD) MarshalJSON() ([]byte, error) { return []byte(u.Decimal()), nil }

// UnmarshalJSON reads a number of dollars as MarshalJSON writes it: a
// plain decimal with at most five decimals, within int64 minor units.
func (u *USD) UnmarshalJSON(b []byte) error {
	v, err := ParseDecimal(string(b))
	if err != nil {
		return err
	}
	*u = v
	return nil
}

// errDecimal is the answer to anything but a plain decimal of dollars.
var errDecimal = errors.New("an amount of dollars is a plain decimal with at most five decimals, such as 4.21")

// ParseDecimal reads "-12.34567" (at most five decimals, no exponent) into
// minor units, exactly; a value past the int64 range is an error.
func ParseDecimal(s string) (USD, error) {
	neg := strings.HasPrefix(s, "-")
	whole, frac, dot := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if whole == "" || !digits(whole) || dot && (frac == "" || !digits(frac)) || len(frac) > 5 {
		return 0, errDecimal
	}
	w, err := strconv.ParseUint(whole, 10, 64)
	if err != nil || w > (1<<63)/MinorPerDollar { // mag below cannot wrap
		return 0, errors.New("an amount of dollars out of range")
	}
	f, _ := strconv.ParseUint(frac+strings.Repeat("0", 5-len(frac)), 10, 64)
	mag := w*MinorPerDollar + f
	switch {
	case !neg && mag <= math.MaxInt64:
		return USD(mag), nil
	case neg && mag <= 1<<63:
		return USD(-int64(mag-1)) - 1, nil // -mag, without overflow at 2^63
	}
	return 0, errors.New("an amount of dollars out of range")
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Decimal is the amount in dollars, with no trailing zeros: "4.21",
// "0.01234", "12".
func (u USD) Decimal() string {
	mag, neg := u.magnitude()
	s := strconv.FormatUint(mag/MinorPerDollar, 10)
	if frac := mag % MinorPerDollar; frac != 0 {
		f := strconv.FormatUint(frac+MinorPerDollar, 10)[1:] // five digits, zeros kept
		s += "." + strings.TrimRight(f, "0")
	}
	if neg {
		s = "-" + s
	}
	return s
}

// String is the amount as the app shows it: US dollars with two decimals,
// four below one dollar ($4.21, $0.0123, $1,234.50).
func (u USD) String() string {
	mag, neg := u.magnitude()
	if mag == 0 {
		return "$0.00"
	}
	sign := ""
	if neg {
		sign = "-"
	}
	// mag is at most 2^63: adding half a unit cannot wrap a uint64.
	if tenths := (mag + 5) / 10; tenths < 10000 { // in 1/10,000 of a dollar
		return sign + "$0." + strconv.FormatUint(tenths+10000, 10)[1:]
	}
	cents := (mag + 500) / 1000
	return sign + "$" + text.CountUint(cents/100) + "." + strconv.FormatUint(cents%100+100, 10)[1:]
}

// Dollars is the amount as a float, for arithmetic that needs no exactness.
func (u USD) Dollars() float64 { return float64(u) / MinorPerDollar }

// Percent is how much of whole part is, in whole percent rounded down:
// exact over the whole int64 range (the product is 128 bits wide). ok is
// false when either is negative or whole is zero; a share too large for
// a uint64 saturates.
func Percent(part, whole USD) (pct uint64, ok bool) {
	if part < 0 || whole <= 0 {
		return 0, false
	}
	hi, lo := bits.Mul64(uint64(part), 100)
	if hi >= uint64(whole) {
		return math.MaxUint64, true
	}
	q, _ := bits.Div64(hi, lo, uint64(whole))
	return q, true
}

// ParseDollars reads an amount of dollars as a person types it: "5",
// "4.50", "$0.25", "1,000"; "" and "0" are zero. At most five decimals,
// never negative, never past MaxBudget.
func ParseDollars(s string) (USD, error) {
	if s = strings.TrimSpace(s); s == "" {
		return 0, nil
	}
	s = strings.ReplaceAll(strings.TrimPrefix(s, "$"), ",", "")
	if strings.HasPrefix(s, ".") {
		s = "0" + s
	}
	u, err := ParseDecimal(s)
	switch {
	case err != nil && errors.Is(err, errDecimal), err == nil && u < 0, strings.HasPrefix(s, "-"):
		return 0, errors.New("not an amount of dollars such as 5 or 4.50")
	case err != nil, u > MaxBudget:
		return 0, errors.New("more than $1,000,000")
	}
	return u, nil
}
