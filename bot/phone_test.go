package bot_test

import (
	"testing"

	"deliverybot/bot"
)

// Phone answers are typed the way people say them: with words around the
// number, full-width digits, spaces, extensions.
func TestValidatePhoneAcceptsWhatPeopleType(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"13911112222", "13911112222"},
		{"手机号13911112222", "13911112222"},
		{"我的手机 139 1111 2222", "13911112222"},
		{"我的手机是：139-1111-2222", "13911112222"},
		{"１３９１１１１２２２２", "13911112222"},
		{"+86 139 1111 2222", "13911112222"},
		{"0086 13911112222", "13911112222"},
		{"电话 13911112222。", "13911112222"},
		{"0571-8888 6666转123", "0571-88886666转123"},
		{"０５７１－８８８８６６６６", "0571-88886666"},
		{"021-12345678-8021", "021-12345678转8021"},
		{"021-12345678 分机8021", "021-12345678转8021"},
		{"（010）12345678", "010-12345678"},
		{"座机 010-1234-5678 ext 66", "010-12345678转66"},
		{"88886666", "88886666"},
		{"8888 6666", "88886666"},
		{"8888-6666转21", "88886666转21"},
		{"分机8021", "分机8021"},
		{"打我分机8021", "分机8021"},
		{"分机号 8021", "分机8021"},
	} {
		got, problem := bot.ValidatePhone(tc.in)
		if got != tc.want || problem != "" {
			t.Errorf("ValidatePhone(%q) = %q, %q; want %q", tc.in, got, problem, tc.want)
		}
	}
}

func TestValidatePhoneRejectsNonNumbers(t *testing.T) {
	for _, bad := range []string{"", "123", "abc", "1380013800", "23800138000", "138001380001",
		"我不知道", "手机", "分机", "分机8", "12345678", "01234567", "明天再说", "13911112222转12",
		"0571-8888", "１３９１１１１２２２", "电话 138 abc", "三楼东侧打印室"} {
		got, problem := bot.ValidatePhone(bad)
		if problem == "" {
			t.Errorf("ValidatePhone(%q) accepted as %q", bad, got)
			continue
		}
		if problem != "电话号码格式不对，请输入 11 位手机号（如 13800138000）或带区号的座机（如 010-12345678）。" {
			t.Errorf("ValidatePhone(%q) problem %q", bad, problem)
		}
	}
}
