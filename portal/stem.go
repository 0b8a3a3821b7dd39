package portal

import (
	"strings"
	"unicode"
)

// Stem reduces a German word to its stem with CISTEM (Weissweiler and
// Fraser, 2017), case-insensitively. SQLite's FTS5 has no German stemmer,
// so dev indexes and queries the stems this returns; PostgreSQL uses its
// own Snowball "german" configuration.
func Stem(word string) string {
	w := umlauts.Replace(strings.ToLower(word))
	if strings.HasPrefix(w, "ge") && len([]rune(w)) >= 6 {
		w = w[2:]
	}
	w = encodeGroups.Replace(w)
	r := []rune(w)
	for i := 1; i < len(r); i++ { // a doubled letter becomes letter + '*'
		if r[i] == r[i-1] && r[i] != '*' {
			r[i] = '*'
		}
	}
	for len(r) > 3 {
		n := len(r)
		if n > 5 {
			if r[n-2] == 'e' && (r[n-1] == 'm' || r[n-1] == 'r') || r[n-2] == 'n' && r[n-1] == 'd' {
				r = r[:n-2]
				continue
			}
		}
		if c := r[n-1]; c == 't' || c == 'e' || c == 's' || c == 'n' {
			r = r[:n-1]
			continue
		}
		break
	}
	for i := 1; i < len(r); i++ {
		if r[i] == '*' {
			r[i] = r[i-1]
		}
	}
	return decodeGroups.Replace(string(r))
}

// The replacers of Stem (read-only).
var (
	umlauts      = strings.NewReplacer("ü", "u", "ö", "o", "ä", "a", "ß", "ss")
	encodeGroups = strings.NewReplacer("sch", "$", "ei", "%", "ie", "&")
	decodeGroups = strings.NewReplacer("&", "ie", "%", "ei", "$", "sch")
)

// stopwords are German function words that searches ignore (read-only).
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`aber alle als am an auch auf aus bei beim bin bis da das dass dem den der des die
		du ein eine einem einen einer eines er es für gibt hat ich ihr im in ist ja kann mein meine meinem meinen meiner
		mich mir mit muss möchte nach nicht noch ob oder sich sie sind so um und uns vom von vor was wie will wir wo zu
		zum zur über brauche benötige`) {
		m[w] = true
	}
	return m
}()

// Words splits text into lower-case words, dropping stopwords and
// everything that is not a letter or digit.
func Words(text string) []string {
	fields := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	out := fields[:0]
	for _, f := range fields {
		if !stopwords[f] && len([]rune(f)) <= 60 {
			out = append(out, f)
		}
	}
	return out
}

// stems returns the stems of the words of text, separated by spaces.
func stems(text string) string {
	ws := Words(text)
	for i, w := range ws {
		ws[i] = Stem(w)
	}
	return strings.Join(ws, " ")
}

// levenshtein returns the edit distance of a and b, giving up (returning
// max+1) once it exceeds max.
func levenshtein(a, b string, max int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > max || -d > max {
		return max + 1
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best > max {
			return max + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
