package wecom

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
)

// SendMessage posts one message/send request (agentid is filled in).
func (c *Client) SendMessage(ctx context.Context, m *MessageRequest) (*SendResult, error) {
	m.AgentID = c.cfg.AgentID
	var out SendResult
	if err := c.postJSON(ctx, "cgi-bin/message/send", m, &out); err != nil {
		return nil, err
	}
	if out.InvalidUser != "" {
		c.log.Warn("message/send: some recipients are invalid", "invaliduser", out.InvalidUser)
	}
	return &out, nil
}

// UpdateTemplateCard updates a button_interaction card once per response code.
func (c *Client) UpdateTemplateCard(ctx context.Context, r *UpdateTemplateCardRequest) error {
	r.AgentID = c.cfg.AgentID
	return c.postJSON(ctx, "cgi-bin/message/update_template_card", r, nil)
}

// ReplaceCardButtons greys out the buttons of the card the user clicked, showing label.
func (c *Client) ReplaceCardButtons(ctx context.Context, userID, responseCode, label string) error {
	return c.UpdateTemplateCard(ctx, &UpdateTemplateCardRequest{
		UserIDs: []string{userID}, ResponseCode: responseCode, Button: &ReplaceName{ReplaceName: label},
	})
}

// GetUser reads a member's name and departments.
func (c *Client) GetUser(ctx context.Context, userID string) (*User, error) {
	resp, err := c.call(ctx, http.MethodGet, "cgi-bin/user/get", url.Values{"userid": {userID}}, nil, "", c.timeout)
	if err != nil {
		return nil, err
	}
	var u User
	if err := json.Unmarshal(resp.body, &u); err != nil {
		return nil, fmt.Errorf("wecom user/get: bad JSON answer: %w", err)
	}
	return &u, nil
}

// GetMedia downloads a media_id (valid 3 days) and returns its bytes and content type.
func (c *Client) GetMedia(ctx context.Context, mediaID string) ([]byte, string, error) {
	resp, err := c.call(ctx, http.MethodGet, "cgi-bin/media/get", url.Values{"media_id": {mediaID}}, nil, "", 6*c.timeout)
	if err != nil {
		return nil, "", err
	}
	if resp.isJSON() {
		return nil, "", fmt.Errorf("wecom media/get: JSON answer instead of media")
	}
	ct := resp.contentType
	if ct == "" || ct == "application/octet-stream" {
		ct = http.DetectContentType(resp.body)
	}
	return resp.body, ct, nil
}

// UploadMedia uploads a temporary media file (image, voice, video, file) and returns its media_id.
func (c *Client) UploadMedia(ctx context.Context, kind, filename string, data []byte) (string, error) {
	body, ctype, err := multipartBody(filename, data)
	if err != nil {
		return "", err
	}
	resp, err := c.call(ctx, http.MethodPost, "cgi-bin/media/upload", url.Values{"type": {kind}}, body, ctype, 6*c.timeout)
	if err != nil {
		return "", err
	}
	var out struct {
		Type    string `json:"type"`
		MediaID string `json:"media_id"`
	}
	if err := json.Unmarshal(resp.body, &out); err != nil || out.MediaID == "" {
		return "", fmt.Errorf("wecom media/upload: no media_id in answer")
	}
	return out.MediaID, nil
}

func multipartBody(filename string, data []byte) ([]byte, string, error) {
	var buf bytes.Buffer
	boundary := fmt.Sprintf("deliverybot%016x", rand.Uint64())
	fmt.Fprintf(&buf, "--%s\r\nContent-Disposition: form-data; name=\"media\"; filename=\"%s\"; filelength=%d\r\nContent-Type: application/octet-stream\r\n\r\n",
		boundary, strings.NewReplacer("\"", "", "\r", "", "\n", "").Replace(filename), len(data))
	buf.Write(data)
	fmt.Fprintf(&buf, "\r\n--%s--\r\n", boundary)
	return buf.Bytes(), "multipart/form-data; boundary=" + boundary, nil
}
