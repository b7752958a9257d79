// Prints the values of Go's math functions that tick's tests expect (go_values.txt next to this
// file). Run on linux/amd64, on a CPU with AVX and FMA:
//
//	go run gen_go_values.go < go_values.txt > new.txt
//
// Each input line is `name arg... [ignored]`: one float argument (bits in hex) for the unary
// functions, two for atan2, hypot, max, min, mod and pow, a decimal integer for pow10, and a
// decimal integer then a float for jn and yn. Each output line is `name arg... want [want2]`:
// want is Go's result (bits in hex) with Exp on its FMA path, want2 the result with Exp on its
// plain path (GODEBUG=cpu.fma=off) when that differs. The program runs itself a second time
// with GODEBUG=cpu.fma=off for want2.
package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

var unary = map[string]func(float64) float64{
	"abs": math.Abs, "acos": math.Acos, "acosh": math.Acosh, "asin": math.Asin,
	"asinh": math.Asinh, "atan": math.Atan, "atanh": math.Atanh, "cbrt": math.Cbrt,
	"ceil": math.Ceil, "cos": math.Cos, "cosh": math.Cosh, "erf": math.Erf,
	"erfc": math.Erfc, "exp": math.Exp, "exp2": math.Exp2, "expm1": math.Expm1,
	"floor": math.Floor, "gamma": math.Gamma, "j0": math.J0, "j1": math.J1,
	"log": math.Log, "log10": math.Log10, "log1p": math.Log1p, "log2": math.Log2,
	"logb": math.Logb, "sin": math.Sin, "sinh": math.Sinh, "sqrt": math.Sqrt,
	"tan": math.Tan, "tanh": math.Tanh, "trunc": math.Trunc, "y0": math.Y0, "y1": math.Y1,
}

var binary = map[string]func(float64, float64) float64{
	"atan2": math.Atan2, "hypot": math.Hypot, "max": math.Max, "min": math.Min,
	"mod": math.Mod, "pow": math.Pow,
}

var intFloat = map[string]func(int, float64) float64{"jn": math.Jn, "yn": math.Yn}

func bits(s string) float64 {
	u, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		panic(err)
	}
	return math.Float64frombits(u)
}

func integer(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(err)
	}
	return n
}

// eval returns the arguments as written and the result's bits.
func eval(w []string) ([]string, string) {
	var r float64
	var n int
	switch name := w[0]; {
	case unary[name] != nil:
		n, r = 1, unary[name](bits(w[1]))
	case binary[name] != nil:
		n, r = 2, binary[name](bits(w[1]), bits(w[2]))
	case intFloat[name] != nil:
		n, r = 2, intFloat[name](integer(w[1]), bits(w[2]))
	case name == "pow10":
		n, r = 1, math.Pow10(integer(w[1]))
	default:
		panic("unknown function " + name)
	}
	return w[:n+1], fmt.Sprintf("%016x", math.Float64bits(r))
}

func main() {
	var lines [][]string
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		if w := strings.Fields(in.Text()); len(w) > 0 {
			lines = append(lines, w)
		}
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	if os.Getenv("GEN_PLAIN_EXP") != "" {
		for _, w := range lines {
			_, r := eval(w)
			fmt.Fprintln(out, r)
		}
		return
	}
	if math.Float64bits(math.Exp(1.7)) != 0x4015e552770df8a7 {
		panic("Exp is not on its FMA path: run on a CPU with AVX and FMA")
	}
	var inputs strings.Builder
	for _, w := range lines {
		fmt.Fprintln(&inputs, strings.Join(w, " "))
	}
	child := exec.Command(os.Args[0])
	child.Env = append(os.Environ(), "GODEBUG=cpu.fma=off", "GEN_PLAIN_EXP=1")
	child.Stdin = strings.NewReader(inputs.String())
	plain, err := child.Output()
	if err != nil {
		panic(err)
	}
	plainResults := strings.Fields(string(plain))
	for i, w := range lines {
		args, r := eval(w)
		line := strings.Join(args, " ") + " " + r
		if plainResults[i] != r {
			line += " " + plainResults[i]
		}
		fmt.Fprintln(out, line)
	}
}
