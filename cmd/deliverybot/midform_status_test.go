package main

import (
	"strings"
	"testing"
)

// 进度 in the middle of a 报修 shows the project status; it is not stored as
// the answer to the step, and the form goes on.
func TestStatusQueryMidForm(t *testing.T) {
	isolateRedis(t)
	dir := t.TempDir()
	out := chat(t, dir, "报修\n2\n腾讯文档打不开 显示无权限\n不能\n进度\n/quit\n", "--user", "fengxue")
	mustContain(t, out, "当前阶段", "我们继续刚才的「报修」", "问题出现在哪个位置或部门")
	if i := strings.LastIndex(out, "当前阶段"); i < 0 || !strings.Contains(out[i:], "问题出现在哪个位置或部门") {
		t.Fatalf("the form did not resume after the status:\n%s", out)
	}
}
