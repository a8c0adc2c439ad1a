package status

import (
	"strconv"
	"strings"
	"time"

	"deliverybot/bot"
)

// pendingTTL is how long a command waits for its project choice: a card answered
// later is no longer about that command in the user's mind.
const pendingTTL = 10 * time.Minute

// commandNames are how users type the commands that can be parked.
var commandNames = map[string]string{"progress": "更新进度", "complete": "完成", "milestone": "里程碑",
	"risk_add": "新增风险", "risk_close": "关闭风险", "audit": "项目日志"}

// park keeps cmd until the user picks a project from the card this message gets.
// The message ID ties it to that card: only the very next message may answer it.
func park(req *bot.Request, cmd, args string) {
	req.Session.SetVar(varPending, strings.Join([]string{req.Msg.ID,
		strconv.FormatInt(req.Now.Unix(), 10), cmd, args}, "\x1f"))
}

// parked is a command waiting for a project choice.
type parked struct {
	cmd, args string
	expired   bool // answered right after its card, but too late
}

// unpark takes the parked command answered by this message and clears it. It is
// nil when nothing waits or other messages came in between (the user moved on,
// even if it was to another package's command that never saw the parked one).
func unpark(req *bot.Request) *parked {
	v := req.Session.Var(varPending)
	req.Session.SetVar(varPending, "")
	parts := strings.SplitN(v, "\x1f", 4)
	if len(parts) != 4 || parts[0] != req.Session.LastMsgID {
		return nil // also the older "cmd\x1fargs" form, which cannot be dated
	}
	at, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return nil
	}
	return &parked{cmd: parts[2], args: parts[3], expired: req.Now.Sub(time.Unix(at, 0)) > pendingTTL}
}

// expiredNote tells the user an update they may expect to happen was not applied.
func expiredNote(p *parked) []bot.Reply {
	name, ok := commandNames[p.cmd]
	if !ok {
		return nil // a view: showing the chosen project's status is what they wanted
	}
	// Not the args: the router trims them ("80%" arrives as "80").
	return []bot.Reply{bot.Text("之前的「%s」等待选择项目已超过 %d 分钟，没有执行。如仍需要，请重新发送。",
		name, int(pendingTTL.Minutes()))}
}
