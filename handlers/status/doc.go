// Package status answers "where does my project stand?" from the project registry:
// status queries (进度, "XX项目怎么样了", "上线还有几天"), the PM portfolio (所有项目),
// PM updates by chat (更新进度, 完成, 里程碑, 新增风险, 关闭风险), the weekly digest
// (cron + 周报 on demand) and the `project` admin CLI.
//
// # RAG rule
//
// Computed per project at the request time, in the registry's time zone, counting
// Monday–Friday as working days (public holidays are not modelled):
//
//	red    the go-live forecast is more than 5 working days later than planned, or
//	       any milestone not done has a forecast date before today (overdue)
//	amber  go-live slips 1–5 working days, or a 高 (high) risk is open, or an open
//	       ticket has breached its SLA, or the current phase is past its planned end
//	green  otherwise
//
// A project that is live (go-live milestone done) no longer counts go-live slip.
// Every reason that applies is listed in the reply so the colour is explainable.
//
// # Authorization
//
// "Member" means listed in the project's members with that role. A PM is anyone
// who is PM of at least one project. Outsiders are unknown users and known users
// who are not members of the project in question.
//
//	action                          pm    engineer  client_lead  client_staff  outsider
//	status of own project           yes   yes       yes          yes           —
//	status of another project       yes*  no        no           no            no
//	所有项目 (portfolio)             yes   no        no           no            no
//	周报 (digest on demand)          yes   no        no           no            no
//	weekly digest received          yes (projects they are PM of)
//	更新进度 / 完成 / 里程碑          own project only: pm, engineer; clients and outsiders no
//	新增风险 / 关闭风险               own project only: pm, engineer; clients and outsiders no
//	项目日志 (audit log)             own project only: pm, engineer
//
// (*) PMs see every project because the portfolio lists them all. Refusals are
// polite and say whom to ask (the project's PM, or the configured contact).
// The matrix is enforced by Allowed and tested cell by cell in auth_test.go.
package status
