package wecom_test

import (
	"context"
	"strings"
	"testing"

	"deliverybot/bot"
	"deliverybot/bot/wecom"
	"deliverybot/bot/wecom/wecomtest"
)

func TestRobotPostsMarkdownPerProject(t *testing.T) {
	fake := wecomtest.NewServer()
	defer fake.Close()
	keys, err := wecom.ParseRobotKeys("jxjt=robot-secret-1, hdyy=robot-secret-2")
	if err != nil {
		t.Fatal(err)
	}
	rb := wecom.NewRobot(fake.URL, keys, nil)
	ctx := context.Background()
	posted, err := rb.Post(ctx, "jxjt", bot.Markdown("**新报修工单** BX-20261126-0001"))
	if err != nil || !posted {
		t.Fatalf("post: %v %v", posted, err)
	}
	if got := fake.RobotPosts("robot-secret-1"); len(got) != 1 || !strings.Contains(got[0], "BX-20261126-0001") {
		t.Fatalf("robot got %q", got)
	}
	if posted, err := rb.Post(ctx, "ylzq", bot.Text("x")); posted || err != nil {
		t.Fatalf("project without robot: posted=%v err=%v", posted, err)
	}
	long := strings.Repeat("工单", 3000) // 18000 bytes
	if _, err := rb.Post(ctx, "hdyy", bot.Text("%s", long)); err != nil {
		t.Fatal(err)
	}
	if got := fake.RobotPosts("robot-secret-2"); len(got) != 1 || len(got[0]) > wecom.RobotMarkdownLimit {
		t.Fatalf("long post not cut to %d bytes: %d", wecom.RobotMarkdownLimit, len(got[0]))
	}
}

func TestRobotErrorsNeverShowTheKey(t *testing.T) {
	rb := wecom.NewRobot("http://127.0.0.1:1", map[string]string{"p": "robot-secret-xyz"}, nil)
	_, err := rb.Post(context.Background(), "p", bot.Text("x"))
	if err == nil || strings.Contains(err.Error(), "robot-secret-xyz") {
		t.Fatalf("err = %v (must fail without the key)", err)
	}
	if _, err := wecom.ParseRobotKeys("jxjt"); err == nil {
		t.Fatal("malformed WECOM_ROBOT_KEYS accepted")
	}
}
