package ticket_test

import (
	"strings"
	"testing"
	"time"

	"deliverybot/bot/bottest"
	"deliverybot/handlers/ticket/ticketstore"
)

// The similar ticket offered for merging can stop being open before the reporter
// answers 是: the description and every photo (sent before 报修 and while the
// question was pending) must then go to a new ticket, not be dropped.
func TestMergeIntoTicketClosedMeanwhileKeepsDescriptionAndPhotos(t *testing.T) {
	cases := []struct {
		name, status string
		close        func(e *env, id string)
	}{
		{"resolved by engineer", "已解决", func(e *env, id string) {
			e.say(engineer, "受理 "+id)
			bottest.MustContain(t, e.say(engineer, "解决 "+id+" 清理了卡纸"), "等待提交人确认")
		}},
		{"cancelled by PM", "已取消", func(e *env, id string) {
			bottest.MustContain(t, e.say(pm, "取消工单 "+id), "已取消")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			old := e.file(reporter, "三楼打印机卡纸了，打不出来")
			e.Clock.Advance(time.Hour)
			e.SendImage(reporter, []byte("jammed printer, before 报修"), "image/jpeg")
			out := e.say(reporter, "报修 三楼打印机又卡纸了")
			bottest.MustContain(t, out, "已附上您刚才发送的 1 张照片", "要补充到 "+old+" 吗")
			e.SendImage(reporter, []byte("jammed printer, close-up"), "image/jpeg")
			out = bottest.PlainText(e.SendImage(reporter, []byte("error light"), "image/jpeg"))
			bottest.MustContain(t, out, "共 3 张")

			c.close(e, old)
			out = e.say(reporter, "是")
			// The description named the system (打印机), so the location comes next.
			bottest.MustContain(t, out, old, c.status, "无法再补充", "描述和 3 张照片", "新建", "位置或部门")
			bottest.MustNotContain(t, out, "已将这次")

			e.say(reporter, "三楼东侧打印室")
			e.say(reporter, "部门")
			e.say(reporter, "紧急")
			e.say(reporter, "跳过")
			out = e.say(reporter, "完成") // photos already held: the 照片 step only confirms them
			bottest.MustContain(t, out, "请确认", "系统或产品：打印机", "问题描述：三楼打印机又卡纸了", "照片：3 张")
			id := ticketID(t, e.say(reporter, "确认"))
			if id == old {
				t.Fatalf("filed into the closed ticket %s", old)
			}
			if tk := e.ticket(id); tk.Description != "三楼打印机又卡纸了" || len(tk.Photos) != 3 {
				t.Fatalf("new ticket desc %q, %d photos; want the description and 3 photos", tk.Description, len(tk.Photos))
			}
			if tk := e.ticket(old); len(tk.Photos) != 0 || strings.Contains(historyText(tk), "补充") {
				t.Fatalf("closed ticket changed: photos %+v, history %s", tk.Photos, historyText(tk))
			}
		})
	}
}

func historyText(tk *ticketstore.Ticket) string {
	var b strings.Builder
	for _, ev := range tk.History {
		b.WriteString(ev.Text + "\n")
	}
	return b.String()
}
