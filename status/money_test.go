package status

import (
	"encoding/json"
	"math"
	"math/big"
	"regexp"
	"strings"
	"testing"
)

func TestUSD(t *testing.T) {
	for minor, want := range map[USD]struct{ decimal, shown string }{
		421000:        {"4.21", "$4.21"},
		1234:          {"0.01234", "$0.0123"},
		1:             {"0.00001", "$0.0000"},
		0:             {"0", "$0.00"},
		99995:         {"0.99995", "$1.00"},
		100000:        {"1", "$1.00"},
		12345678:      {"123.45678", "$123.46"},
		-50:           {"-0.0005", "-$0.0005"},
		123456789000:  {"1234567.89", "$1,234,567.89"},
		math.MaxInt64: {"92233720368547.75807", "$92,233,720,368,547.76"},
		math.MinInt64: {"-92233720368547.75808", "-$92,233,720,368,547.76"},
		-100000:       {"-1", "-$1.00"},
	} {
		if got := minor.Decimal(); got != want.decimal {
			t.Errorf("%d: decimal %q, want %q", minor, got, want.decimal)
		}
		if got := minor.String(); got != want.shown {
			t.Errorf("%d: shown %q, want %q", minor, got, want.shown)
		}
		b, err := json.Marshal(minor)
		if err != nil {
			t.Errorf("%d: %v", minor, err)
		}
		var back USD
		if err := json.Unmarshal(b, &back); err != nil || back != minor {
			t.Errorf("%d: JSON %s reads back as %d (%v)", minor, b, back, err)
		}
	}
}

func TestParseDecimal(t *testing.T) {
	for in, want := range map[string]USD{
		"4.21": 421000, "0": 0, "-0": 0, "12": 1200000, "0.00001": 1, "-1.5": -150000,
		"92233720368547.75807": math.MaxInt64, "-92233720368547.75808": math.MinInt64,
	} {
		if got, err := ParseDecimal(in); err != nil || got != want {
			t.Errorf("%q: %d %v, want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-", ".5", "5.", "1e3", "1.000001", "+1", "1,5", " 1", "92233720368547.75808",
		"-92233720368547.75809", "184467440737095516160", "NaN", "0x10", "1.2.3", "--1"} {
		if v, err := ParseDecimal(bad); err == nil {
			t.Errorf("%q accepted as %d", bad, v)
		}
	}
}

func TestParseDollars(t *testing.T) {
	for in, want := range map[string]USD{"": 0, "0": 0, "5": 500000, "4.50": 450000, "$0.25": 25000, "1,000": 100000000, " .5 ": 50000, "0.00001": 1, "1000000": MaxBudget} {
		if got, err := ParseDollars(in); err != nil || got != want {
			t.Errorf("%q: %d %v, want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"five", "-5", "+5", "1.000001", "1000000.00001", "2000000", "1e3", "$", "4.5.0", "-0", "99999999999999999999"} {
		if _, err := ParseDollars(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestPercent(t *testing.T) {
	for _, c := range []struct {
		part, whole USD
		want        uint64
		ok          bool
	}{
		{50, 100, 50, true},
		{0, 100, 0, true},
		{199, 100, 199, true},
		{math.MaxInt64, math.MaxInt64, 100, true},
		{math.MaxInt64, 100, math.MaxInt64, true},
		{math.MaxInt64, 1, math.MaxUint64, true}, // 100 × 2^63 does not fit: saturated
		{1, math.MaxInt64, 0, true},
		{-1, 100, 0, false},
		{1, 0, 0, false},
		{1, math.MinInt64, 0, false},
	} {
		got, ok := Percent(c.part, c.whole)
		if got != c.want || ok != c.ok {
			t.Errorf("Percent(%d, %d) = %d %v, want %d %v", c.part, c.whole, got, ok, c.want, c.ok)
		}
	}
}

// bigDecimal is the exact decimal of minor units by math/big.
func bigDecimal(n int64) string {
	r := new(big.Rat).SetFrac(big.NewInt(n), big.NewInt(MinorPerDollar))
	s := r.FloatString(5)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

// bigShown is String by math/big: two decimals rounded half up, four
// below a dollar, with thousands separators.
func bigShown(n int64) string {
	if n == 0 {
		return "$0.00"
	}
	mag := new(big.Int).Abs(big.NewInt(n))
	sign := ""
	if n < 0 {
		sign = "-"
	}
	half := func(div int64) *big.Int {
		q := new(big.Int).Add(mag, big.NewInt(div/2))
		return q.Quo(q, big.NewInt(div))
	}
	if t := half(10); t.Cmp(big.NewInt(10000)) < 0 {
		return sign + "$0." + leftPad(t.String(), 4)
	}
	cents := half(1000)
	whole, frac := new(big.Int).QuoRem(cents, big.NewInt(100), new(big.Int))
	w := whole.String()
	var b strings.Builder
	for i, c := range w {
		if i > 0 && (len(w)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + "$" + b.String() + "." + leftPad(frac.String(), 2)
}

func leftPad(s string, n int) string { return strings.Repeat("0", max(0, n-len(s))) + s }

// FuzzUSD holds every formatting of money to math/big, over the whole
// int64 range, and the JSON round trip exact.
func FuzzUSD(f *testing.F) {
	for _, n := range []int64{0, 1, -1, 5, 99995, 421000, math.MaxInt64, math.MinInt64, math.MinInt64 + 1, -999999999} {
		f.Add(n, int64(100000))
	}
	f.Fuzz(func(t *testing.T, n, whole int64) {
		u := USD(n)
		if got, want := u.Decimal(), bigDecimal(n); got != want {
			t.Fatalf("%d: Decimal %q, math/big %q", n, got, want)
		}
		if got, want := u.String(), bigShown(n); got != want {
			t.Fatalf("%d: String %q, math/big %q", n, got, want)
		}
		b, err := json.Marshal(u)
		if err != nil || !json.Valid(b) {
			t.Fatalf("%d: JSON %s %v", n, b, err)
		}
		var back USD
		if err := json.Unmarshal(b, &back); err != nil || back != u {
			t.Fatalf("%d: read back as %d (%v)", n, back, err)
		}
		pct, ok := Percent(u, USD(whole))
		if (n >= 0 && whole > 0) != ok {
			t.Fatalf("Percent(%d, %d): ok %v", n, whole, ok)
		}
		if ok {
			q := new(big.Int).Mul(big.NewInt(n), big.NewInt(100))
			q.Quo(q, big.NewInt(whole))
			if q.IsUint64() && q.Uint64() != pct || !q.IsUint64() && pct != math.MaxUint64 {
				t.Fatalf("Percent(%d, %d) = %d, math/big %s", n, whole, pct, q)
			}
		}
	})
}

// plainDecimal is what ParseDecimal takes, written as a pattern.
var plainDecimal = regexp.MustCompile(`^-?[0-9]+(\.[0-9]{1,5})?$`)

// FuzzParseDecimal: ParseDecimal takes exactly the plain decimals in
// range, each as its value in minor units by math/big.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"4.21", "-0.00001", "92233720368547.75807", "-92233720368547.75808", "1e3", "", "00.10", "0B0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseDecimal(s)
		var want *big.Rat
		if plainDecimal.MatchString(s) {
			r, _ := new(big.Rat).SetString(s)
			if want = r.Mul(r, big.NewRat(MinorPerDollar, 1)); !want.Num().IsInt64() {
				want = nil // out of range
			}
		}
		switch {
		case want == nil && err == nil:
			t.Fatalf("%q taken as %d", s, v)
		case want != nil && err != nil:
			t.Fatalf("%q refused: %v", s, err)
		case want != nil && want.Num().Int64() != int64(v):
			t.Fatalf("%q taken as %d, math/big %s", s, v, want.RatString())
		}
	})
}
