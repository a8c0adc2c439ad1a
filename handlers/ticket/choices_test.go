package ticket

import (
	"strings"
	"testing"
)

// No phrasing may mean two answers: the form engine takes the first choice
// whose alias matches, so a shared alias would silently pick one.
func TestImpactAndUrgencyAliasesAreUnambiguous(t *testing.T) {
	f := (&Service{}).newForm()
	for _, name := range []string{slotImpact, slotUrgency} {
		s, _ := f.Slot(name)
		owner := map[string]string{}
		for _, c := range s.Choices {
			for _, a := range append([]string{c.Value}, c.Aliases...) {
				a = strings.ToLower(a)
				if prev, ok := owner[a]; ok && prev != c.Value {
					t.Errorf("%s: %q means both %s and %s", name, a, prev, c.Value)
				}
				owner[a] = c.Value
			}
		}
	}
}
