package wecom

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"deliverybot/bot"
)

// RobotMarkdownLimit is the 群机器人 markdown limit in bytes.
const RobotMarkdownLimit = 4096

// Robot posts to project group chats through WeCom 群机器人 webhooks. Each project
// may have its own webhook key; the key is the only credential, so it never
// appears in logs or errors.
type Robot struct {
	base string
	keys map[string]string // project ID → webhook key
	http *http.Client
}

// NewRobot posts to base (the API base, e.g. https://qyapi.weixin.qq.com) with
// keys per project ID.
func NewRobot(base string, keys map[string]string, h *http.Client) *Robot {
	if h == nil {
		h = NewHTTPClient()
	}
	return &Robot{base: strings.TrimRight(base, "/"), keys: keys, http: h}
}

// ParseRobotKeys reads "project=key,project2=key2" (WECOM_ROBOT_KEYS).
func ParseRobotKeys(s string) (map[string]string, error) {
	keys := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		project, key, ok := strings.Cut(part, "=")
		if !ok || strings.TrimSpace(project) == "" || strings.TrimSpace(key) == "" {
			return nil, fmt.Errorf("WECOM_ROBOT_KEYS: 每一项应为「项目ID=机器人key」，用逗号分隔")
		}
		keys[strings.TrimSpace(project)] = strings.TrimSpace(key)
	}
	return keys, nil
}

// Post sends r to the project's group as markdown; posted is false when the
// project has no robot configured.
func (rb *Robot) Post(ctx context.Context, projectID string, r bot.Reply) (bool, error) {
	key := rb.keys[projectID]
	if key == "" {
		return false, nil
	}
	content := r.Markdown
	if content == "" {
		content = r.PlainText()
	}
	if len(content) > RobotMarkdownLimit {
		content = truncateBytes(content, RobotMarkdownLimit-len("…")) + "…"
	}
	body, err := json.Marshal(map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": content}})
	if err != nil {
		return false, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		rb.base+"/cgi-bin/webhook/send?key="+url.QueryEscape(key), bytes.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("group robot for %s: bad request", projectID)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := rb.http.Do(req)
	if err != nil {
		return false, fmt.Errorf("group robot for %s: %w", projectID, scrubError(err))
	}
	defer resp.Body.Close()
	var out struct {
		ErrCode int    `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&out) != nil {
		return false, fmt.Errorf("group robot for %s: HTTP %d", projectID, resp.StatusCode)
	}
	if out.ErrCode != 0 {
		return false, fmt.Errorf("group robot for %s: errcode %d %s", projectID, out.ErrCode, Scrub(out.ErrMsg))
	}
	return true, nil
}

// truncateBytes cuts s to at most n bytes on a rune boundary.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
