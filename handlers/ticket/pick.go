package ticket

import (
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"deliverybot/knowledge"
)

func optionLabel(o string) string {
	if _, label, ok := strings.Cut(o, "\t"); ok {
		return label
	}
	return o
}

func optionValue(o string) string {
	v, _, _ := strings.Cut(o, "\t")
	return v
}

// synonyms is the KB's built-in synonym table: people write product names the
// way they say them (企微, 腾讯docs), and the options use the official names.
var synonyms = sync.OnceValue(func() *knowledge.Normalizer {
	return knowledge.NewNormalizer(knowledge.DefaultSynonyms())
})

// foldName makes names comparable: width (full-width digits from phone keyboards),
// case, punctuation, spaces and synonyms folded.
func foldName(s string) string {
	return strings.ReplaceAll(synonyms().Normalize(s), " ", "")
}

// pickOption resolves an answer to the one option it names; see matchOptions.
func pickOption(opts []string, answer string, extra map[string][]string) (string, bool) {
	if m := matchOptions(opts, answer, extra); len(m) == 1 {
		return m[0], true
	}
	return "", false
}

// matchOptions returns the values of the options an answer names: its number, the
// value, the label or one of extra[value] (a project's aliases); failing that,
// every option whose name contains the answer ("锦绣" for 锦绣集团企业微信上线项目).
// More than one match means the answer is ambiguous: the user chooses, not the bot.
func matchOptions(opts []string, answer string, extra map[string][]string) []string {
	a := foldName(answer)
	if n, err := strconv.Atoi(a); err == nil {
		if n >= 1 && n <= len(opts) {
			return []string{optionValue(opts[n-1])}
		}
		return nil
	}
	if a == "" {
		return nil
	}
	var partial []string
	for _, o := range opts {
		exact, contains := nameMatch(a, optionNames(o, extra))
		if exact {
			return []string{optionValue(o)}
		}
		if contains {
			partial = append(partial, optionValue(o))
		}
	}
	return partial
}

// optionNames are every name an option answers to.
func optionNames(o string, extra map[string][]string) []string {
	return append([]string{optionValue(o), optionLabel(o)}, extra[optionValue(o)]...)
}

// nameMatch compares a folded answer with names. A one-character answer never
// matches partially: it would pick almost anything.
func nameMatch(a string, names []string) (exact, contains bool) {
	for _, n := range names {
		f := foldName(n)
		switch {
		case f == "":
		case f == a:
			return true, false
		case utf8.RuneCountInString(a) >= 2 && strings.Contains(f, a):
			contains = true
		}
	}
	return false, contains
}
