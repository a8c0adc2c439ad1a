package wecomtest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"deliverybot/bot/wecom"
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/")
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	rec := Request{Method: r.Method, Path: path, Query: scrubQuery(r.URL.Query()), Body: body, Token: r.URL.Query().Get("access_token")}

	if f := s.takeFault(path); f != nil {
		if f.Delay > 0 {
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
			}
		}
		if f.HTTPStatus != 0 || f.ErrCode != 0 {
			rec.Fault = true
			if f.HTTPStatus != 0 {
				s.finish(rec, f.HTTPStatus, 0)
				http.Error(w, http.StatusText(f.HTTPStatus), f.HTTPStatus)
				return
			}
			s.finish(rec, http.StatusOK, f.ErrCode)
			writeJSON(w, map[string]any{"errcode": f.ErrCode, "errmsg": errMsg(f.ErrCode)})
			return
		}
	}

	if path == "cgi-bin/gettoken" {
		s.getToken(w, r, rec)
		return
	}
	if path == "cgi-bin/webhook/send" {
		s.robotSend(w, r, rec)
		return
	}
	if code := s.checkToken(rec.Token); code != 0 {
		s.finish(rec, http.StatusOK, code)
		writeJSON(w, map[string]any{"errcode": code, "errmsg": errMsg(code)})
		return
	}
	switch path {
	case "cgi-bin/message/send":
		s.send(w, rec)
	case "cgi-bin/message/update_template_card":
		s.updateCard(w, rec)
	case "cgi-bin/media/get":
		s.getMedia(w, r, rec)
	case "cgi-bin/media/upload":
		s.upload(w, r, rec)
	case "cgi-bin/user/get":
		s.getUser(w, r, rec)
	default:
		s.finish(rec, http.StatusNotFound, 0)
		http.NotFound(w, r)
	}
}

func (s *Server) takeFault(path string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Path == path || f.Path == "" && path != "cgi-bin/gettoken" {
			f.Times--
			if f.Times <= 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			cp := *f
			return &cp
		}
	}
	return nil
}

func (s *Server) finish(rec Request, status, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.Time, rec.Status, rec.Code = s.now(), status, code
	s.requests = append(s.requests, rec)
}

func (s *Server) getToken(w http.ResponseWriter, r *http.Request, rec Request) {
	q := r.URL.Query()
	if q.Get("corpid") != s.CorpID {
		s.finish(rec, http.StatusOK, 40013)
		writeJSON(w, map[string]any{"errcode": 40013, "errmsg": errMsg(40013)})
		return
	}
	if q.Get("corpsecret") != s.Secret {
		s.finish(rec, http.StatusOK, wecom.CodeInvalidCredential)
		writeJSON(w, map[string]any{"errcode": wecom.CodeInvalidCredential, "errmsg": errMsg(wecom.CodeInvalidCredential)})
		return
	}
	s.mu.Lock()
	s.seq++
	tok := fmt.Sprintf("fake-token-%d-%s", s.seq, randHex(6))
	s.tokens[tok] = s.now().Add(7200 * time.Second)
	s.mu.Unlock()
	s.finish(rec, http.StatusOK, 0)
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "access_token": tok, "expires_in": 7200})
}

func (s *Server) checkToken(tok string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if exp, ok := s.tokens[tok]; ok {
		if s.now().Before(exp) {
			return 0
		}
		return wecom.CodeTokenExpired
	}
	if code, ok := s.revoked[tok]; ok {
		return code
	}
	return wecom.CodeInvalidToken
}

func (s *Server) send(w http.ResponseWriter, rec Request) {
	var m wecom.MessageRequest
	if err := json.Unmarshal(rec.Body, &m); err != nil {
		s.finish(rec, http.StatusOK, 47001)
		writeJSON(w, map[string]any{"errcode": 47001, "errmsg": "data format error"})
		return
	}
	rec.Send = &m
	code, problems := s.checkMessage(&m)
	rec.Problems = problems
	if code != 0 {
		s.finish(rec, http.StatusOK, code)
		writeJSON(w, map[string]any{"errcode": code, "errmsg": errMsg(code)})
		return
	}
	resp := map[string]any{"errcode": 0, "errmsg": "ok", "msgid": "msg_" + randHex(8)}
	s.mu.Lock()
	rec.Dropped = s.overUserLimit(m.ToUser)
	if m.MsgType == wecom.MsgTemplateCard {
		rc := "rc_" + randHex(10)
		s.codes[rc] = true
		resp["response_code"] = rc
	}
	out := s.out
	s.mu.Unlock()
	s.finish(rec, http.StatusOK, 0)
	if out != nil {
		status := ""
		if rec.Dropped {
			status = " (DROPPED: over 30/min for this user)"
		}
		fmt.Fprintf(out, "[fake-wecom] → %s (%s)%s\n%s\n\n", m.ToUser, m.MsgType, status, MessageText(m))
	}
	writeJSON(w, resp)
}

// checkMessage returns an errcode for requests WeCom refuses and problems for what it would mangle.
func (s *Server) checkMessage(m *wecom.MessageRequest) (int, []string) {
	var problems []string
	if m.AgentID != s.AgentID {
		return 40056, nil // invalid agentid
	}
	if m.ToUser == "" && m.ToParty == "" && m.ToTag == "" {
		return wecom.CodeNoVisibleUser, nil
	}
	content := func(c *wecom.Content) int {
		if c == nil || strings.TrimSpace(c.Content) == "" {
			return 44004
		}
		if len(c.Content) > wecom.MaxContentBytes {
			problems = append(problems, fmt.Sprintf("%s content is %d bytes > 2048: WeCom would truncate it", m.MsgType, len(c.Content)))
		}
		if !utf8.ValidString(c.Content) {
			problems = append(problems, m.MsgType+" content is not valid UTF-8")
		}
		return 0
	}
	switch m.MsgType {
	case wecom.MsgText:
		return content(m.Text), problems
	case wecom.MsgMarkdown:
		return content(m.Markdown), problems
	case wecom.MsgTextCard:
		if m.TextCard == nil || m.TextCard.Title == "" || m.TextCard.Description == "" || m.TextCard.URL == "" {
			return 41000 + 11, nil // missing required field
		}
	case wecom.MsgTemplateCard:
		tc := m.TemplateCard
		if tc == nil || tc.CardType == "" {
			return 40058, nil
		}
		if tc.CardType == wecom.CardButtonInteraction && (tc.TaskID == "" || len(tc.ButtonList) == 0) {
			return 40058, nil
		}
		if len(tc.ButtonList) > 6 {
			problems = append(problems, "more than 6 buttons")
		}
		s.mu.Lock()
		if tc.TaskID != "" && s.taskIDs[tc.TaskID] {
			problems = append(problems, "task_id reused: "+tc.TaskID)
		}
		s.taskIDs[tc.TaskID] = true
		s.mu.Unlock()
	default:
		return 40008, nil // invalid message type
	}
	return 0, problems
}

// overUserLimit records a send and reports whether WeCom would drop it. Caller holds mu.
func (s *Server) overUserLimit(user string) bool {
	now := s.now()
	times := s.sentTimes[user]
	inMinute, inHour := 0, 0
	for _, t := range times {
		if now.Sub(t) < time.Minute {
			inMinute++
		}
		if now.Sub(t) < time.Hour {
			inHour++
		}
	}
	if inMinute >= 30 || inHour >= 1000 {
		return true
	}
	s.sentTimes[user] = append(times, now)
	return false
}

func (s *Server) updateCard(w http.ResponseWriter, rec Request) {
	var u wecom.UpdateTemplateCardRequest
	if err := json.Unmarshal(rec.Body, &u); err != nil {
		s.finish(rec, http.StatusOK, 47001)
		writeJSON(w, map[string]any{"errcode": 47001, "errmsg": "data format error"})
		return
	}
	rec.Update = &u
	s.mu.Lock()
	usable := s.codes[u.ResponseCode]
	if usable {
		s.codes[u.ResponseCode] = false
	}
	s.mu.Unlock()
	code := 0
	switch {
	case u.AgentID != s.AgentID:
		code = 40056
	case !usable:
		code = 40058 // invalid or already used response_code
	}
	s.finish(rec, http.StatusOK, code)
	writeJSON(w, map[string]any{"errcode": code, "errmsg": errMsg(code)})
}

func (s *Server) getMedia(w http.ResponseWriter, r *http.Request, rec Request) {
	s.mu.Lock()
	m, ok := s.media[r.URL.Query().Get("media_id")]
	if !ok && s.autoMedia {
		m, ok = media{data: placeholderPNG, contentType: "image/png", filename: "placeholder.png"}, true
	}
	s.mu.Unlock()
	if !ok {
		s.finish(rec, http.StatusOK, 40007)
		writeJSON(w, map[string]any{"errcode": 40007, "errmsg": errMsg(40007)})
		return
	}
	s.finish(rec, http.StatusOK, 0)
	w.Header().Set("Content-Type", m.contentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, m.filename))
	_, _ = w.Write(m.data)
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request, rec Request) {
	kind := r.URL.Query().Get("type")
	r.Body = io.NopCloser(strings.NewReader(string(rec.Body)))
	file, hdr, err := func() (io.ReadCloser, string, error) {
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return nil, "", err
		}
		f, h, err := r.FormFile("media")
		if err != nil {
			return nil, "", err
		}
		return f, h.Filename, nil
	}()
	if err != nil || (kind != "image" && kind != "voice" && kind != "video" && kind != "file") {
		s.finish(rec, http.StatusOK, 40004)
		writeJSON(w, map[string]any{"errcode": 40004, "errmsg": errMsg(40004)})
		return
	}
	data, _ := io.ReadAll(file)
	_ = file.Close()
	if len(data) <= 5 {
		rec.Problems = append(rec.Problems, "media must be larger than 5 bytes")
	}
	s.mu.Lock()
	id := "media_" + randHex(12)
	s.media[id] = media{data: data, contentType: http.DetectContentType(data), filename: hdr}
	s.mu.Unlock()
	s.finish(rec, http.StatusOK, 0)
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "type": kind, "media_id": id, "created_at": fmt.Sprint(time.Now().Unix())})
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, rec Request) {
	s.mu.Lock()
	u, ok := s.users[r.URL.Query().Get("userid")]
	s.mu.Unlock()
	if !ok {
		s.finish(rec, http.StatusOK, 60111)
		writeJSON(w, map[string]any{"errcode": 60111, "errmsg": errMsg(60111)})
		return
	}
	s.finish(rec, http.StatusOK, 0)
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "userid": u.UserID, "name": u.Name,
		"department": u.Department, "position": u.Position, "mobile": u.Mobile, "email": u.Email, "status": u.Status})
}

func errMsg(code int) string {
	hint := ", hint: [fake" + randHex(4) + "], more info at https://open.work.weixin.qq.com/devtool/query?e=" + fmt.Sprint(code)
	switch code {
	case 0:
		return "ok"
	case wecom.CodeInvalidCredential:
		return "invalid credential" + hint
	case wecom.CodeInvalidToken:
		return "invalid access_token" + hint
	case wecom.CodeTokenExpired:
		return "access_token expired" + hint
	case wecom.CodeRateLimited:
		return "api freq out of limit" + hint
	case wecom.CodeUntrustedIP:
		return "not allow to access from your ip" + hint + ", from ip: 203.0.113.7"
	case 40007:
		return "invalid media_id" + hint
	case 60111:
		return "userid not found" + hint
	}
	return "fake error" + hint
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_ = json.NewEncoder(w).Encode(v)
}

func scrubQuery(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		if k == "access_token" || k == "corpsecret" || k == "key" {
			out[k] = []string{"***"}
			continue
		}
		out[k] = v
	}
	return out
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// randAESKey makes a valid 43-character EncodingAESKey.
func randAESKey() string {
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	for {
		b := make([]byte, 43)
		_, _ = rand.Read(b)
		for i := range b {
			b[i] = alnum[int(b[i])%len(alnum)]
		}
		if _, err := wecom.DecodeAESKey(string(b)); err == nil {
			return string(b)
		}
	}
}

// placeholderPNG is a valid 1×1 PNG served for unknown media IDs in local runs.
var placeholderPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")

// robotSend is a 群机器人 webhook: any non-empty key is a robot.
func (s *Server) robotSend(w http.ResponseWriter, r *http.Request, rec Request) {
	key := r.URL.Query().Get("key")
	var msg struct {
		MsgType  string `json:"msgtype"`
		Markdown struct {
			Content string `json:"content"`
		} `json:"markdown"`
	}
	if key == "" || json.Unmarshal(rec.Body, &msg) != nil || msg.MsgType != "markdown" || msg.Markdown.Content == "" {
		s.finish(rec, http.StatusOK, 40008)
		writeJSON(w, map[string]any{"errcode": 40008, "errmsg": "invalid message type"})
		return
	}
	s.mu.Lock()
	if s.robot == nil {
		s.robot = map[string][]string{}
	}
	s.robot[key] = append(s.robot[key], msg.Markdown.Content)
	s.mu.Unlock()
	s.finish(rec, http.StatusOK, 0)
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
}

// RobotPosts returns what was posted to the group robot with this webhook key.
func (s *Server) RobotPosts(key string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.robot[key]...)
}
