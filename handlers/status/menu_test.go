package status

import (
	"slices"
	"strings"
	"testing"

	"deliverybot/bot"
)

// statusCommands are this package's commands with a help line.
var statusCommands = []string{"进度", "所有项目", "周报", "更新进度"}

// menuCommands returns which of this package's commands the menu in replies
// offers as a line and as a button.
func menuCommands(t *testing.T, replies []bot.Reply) (lines, buttons []string) {
	t.Helper()
	if len(replies) != 1 || replies[0].Card == nil {
		t.Fatalf("want one menu card, got %+v", replies)
	}
	c := replies[0].Card
	for _, name := range statusCommands {
		if strings.Contains(c.Description, "· "+name+" —— ") {
			lines = append(lines, name)
		}
		if slices.ContainsFunc(c.Buttons, func(b bot.Button) bool { return b.Value == name }) {
			buttons = append(buttons, name)
		}
	}
	return lines, buttons
}

// The menu offers each person only the status commands the matrix lets them
// use somewhere (see Allowed); the demo registry gives one person per case.
func TestHelpMenuFollowsTheMatrix(t *testing.T) {
	e := newEnv(t, Deps{})
	for _, tc := range []struct {
		user, who string
		want      []string
	}{
		{"demo", "PM", []string{"进度", "所有项目", "周报", "更新进度"}},
		{"00123", "engineer", []string{"进度", "更新进度"}},
		{"zhengkai", "client lead", []string{"进度"}},
		{"fengxue", "client staff", []string{"进度"}},
		{"guest", "in no project", nil},
		{"nobody", "not in the registry", nil},
	} {
		for _, text := range []string{"帮助", "今天吃什么"} {
			lines, buttons := menuCommands(t, e.h.Say(tc.user, text))
			if !slices.Equal(lines, tc.want) || !slices.Equal(buttons, tc.want) {
				t.Errorf("%s (%s) %q: lines %v buttons %v, want %v", tc.user, tc.who, text, lines, buttons, tc.want)
			}
		}
	}
}
