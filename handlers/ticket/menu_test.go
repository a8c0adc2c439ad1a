package ticket_test

import (
	"testing"

	"deliverybot/bot/bottest"
)

// 报修 is offered in the menu only to people in a project, who alone can file;
// 我的工单 stays for everyone (an assignee or a former member may have tickets).
func TestHelpMenuOffersFilingToProjectMembers(t *testing.T) {
	e := newEnv(t)
	for _, user := range []string{reporter, engineer, pm} {
		bottest.MustContain(t, e.say(user, "帮助"), "· 报修 —— ", "1. 报修")
	}
	out := e.say("stranger", "帮助")
	bottest.MustContain(t, out, "· 我的工单 —— ", "1. 我的工单")
	bottest.MustNotContain(t, out, "报修")
}
