package ticket_test

import (
	"testing"

	"deliverybot/bot/bottest"
)

// Systems are picked the way people type them: a full-width number from a phone
// keyboard, an abbreviation (企微), or a unique part of the name; a miss names
// what was typed.
func TestProductChoiceByNumberAbbreviationOrPart(t *testing.T) {
	e := newEnv(t)
	e.say(reporter, "报修")
	bottest.MustContain(t, e.say(reporter, "扫描仪"), "「扫描仪」不在本项目的系统列表里")
	bottest.MustContain(t, e.say(reporter, "企微"), "请描述一下遇到的问题")
	bottest.MustContain(t, e.say(reporter, "上一步"), "哪个系统或产品")
	bottest.MustContain(t, e.say(reporter, "２"), "请描述一下遇到的问题")
	bottest.MustContain(t, e.say(reporter, "上一步"), "哪个系统或产品")
	bottest.MustContain(t, e.say(reporter, "打印"), "请描述一下遇到的问题")
	var out string
	for _, answer := range []string{"三楼打印机又卡纸了", "跳过", "部门", "紧急", "跳过", "跳过"} {
		out = e.say(reporter, answer)
	}
	bottest.MustContain(t, out, "请确认", "系统或产品：打印机")
}

// Projects are picked by registry alias or a unique part of the name too.
func TestProjectChoiceByAliasOrPart(t *testing.T) {
	e := newEnv(t)
	bottest.MustContain(t, e.say(multi, "报修"), "哪个项目")
	bottest.MustContain(t, e.say(multi, "锦绣企微"), "1. 腾讯会议")
	bottest.MustContain(t, e.say(multi, "上一步"), "哪个项目")
	bottest.MustContain(t, e.say(multi, "医院项目"), "2. 打印机")
	bottest.MustContain(t, e.say(multi, "上一步"), "哪个项目")
	bottest.MustContain(t, e.say(multi, "集团"), "1. 腾讯会议")
	bottest.MustContain(t, e.say(multi, "上一步"), "哪个项目")
	bottest.MustContain(t, e.say(multi, "远陆"), "没有找到「远陆」对应的项目")
	bottest.MustContain(t, e.say(multi, "１"), "2. 打印机")
}

// Someone who cannot place the fault in the list is not stuck: a second
// unlisted answer is filed as 其他 with their words, and the filing goes on.
func TestSecondUnlistedSystemIsFiledAsOther(t *testing.T) {
	e := newEnv(t)
	e.say(reporter, "报修")
	bottest.MustContain(t, e.say(reporter, "护士站电脑"), "请从列表中选择")
	bottest.MustContain(t, e.say(reporter, "就是护士站那台电脑"), "先按「其他」登记", "请描述一下遇到的问题")
	var out string
	for _, answer := range []string{"开机后一直蓝屏", "跳过", "部门", "紧急", "跳过", "跳过"} {
		out = e.say(reporter, answer)
	}
	bottest.MustContain(t, out, "请确认", "系统或产品：其他（就是护士站那台电脑）")
	// A recognised answer in between starts the count again.
	e2 := newEnv(t)
	e2.say(reporter, "报修")
	e2.say(reporter, "扫描仪")
	e2.say(reporter, "企微")
	e2.say(reporter, "上一步")
	bottest.MustContain(t, e2.say(reporter, "复印机"), "请从列表中选择")
}
