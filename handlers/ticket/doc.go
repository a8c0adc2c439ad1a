// Package ticket is the 报修 (fault ticket) feature: the filing dialog on the form
// engine with KB deflection and a similar-ticket check, the lifecycle commands
// engineers and reporters use, notifications, SLA escalation and the admin CLI.
//
// Filing starts with 报修 / 我要报修 / 报障, the menu key ticket_new, "报修 <描述>"
// (the FAQ's 报修 button), a photo sent outside a dialog, or free text that reports
// a fault ("三楼打印机又卡纸了"); how-to questions that mention a fault ("vpn登不上
// 怎么办") go to the FAQ first. People in no project cannot file: their fault
// reports get the KB's answer (as the FAQ gives it) and no 报修 offer. A
// description given up front that names one of the project's systems fills
// 系统或产品. Slots: 项目 (only when the reporter is in several),
// 系统或产品, 问题描述 → KB answer "这个能解决吗？" and similar open ticket "要补充到
// BX-… 吗？", 位置或部门, 影响范围, 紧急程度 (→ P1–P4, see Priority), 联系电话, 照片.
//
// Lifecycle: 新建 → 已受理 → 处理中 → 已解决(待确认) → 已关闭, plus 已取消 and 重新打开.
//
//	engineers of the project:  受理 / 处理中 / 解决 <说明> / 转派 <user> BX-…
//	reporter:                  解决了 / 没解决 [原因] / 评分 BX-… 1-5 / 取消工单 / 重新打开
//	anyone who may see it:     工单 BX-… / 备注 BX-… <text> / 催一下 BX-… (once per 30 min)
//	lists:                     我的工单 (menu key my_tickets), 项目工单 (PM/engineers)
//
// Who may see a ticket: its reporter and assignee, and the project's PM and
// engineers. Notifications to other people are replies with To set; SLA
// escalations, which happen outside requests, go through Deps.Notifier.
package ticket
