package bot

import (
	"context"
	"strings"
	"unicode"
)

// Greetings, thanks and acknowledgements are not questions: "谢谢" deserves
// "不客气", not a menu titled "抱歉，我没太明白". Only the whole message counts,
// so "你好，vpn登不上怎么办" still goes to the FAQ.
var smallTalk = func() map[string]string {
	m := map[string]string{}
	add := func(reply string, texts ...string) {
		for _, t := range texts {
			m[t] = reply
		}
	}
	add(greetReply, "你好", "您好", "你好呀", "您好呀", "hi", "hello", "hey", "哈喽", "嗨", "在吗", "在不在", "有人吗",
		"早", "早上好", "上午好", "中午好", "下午好", "晚上好", "你是谁", "你是", "你能做什么", "你会什么", "你能干什么", "怎么用")
	add("不客气！还有问题随时发给我。", "谢谢", "多谢", "感谢", "谢了", "谢谢你", "谢谢您", "好的谢谢", "好的 谢谢", "ok谢谢",
		"收到谢谢", "thanks", "thank you", "thx", "3q", "辛苦了", "辛苦")
	add("好的，有需要随时找我。", "好的", "好", "嗯", "嗯嗯", "ok", "okay", "收到", "知道了", "明白了", "明白", "懂了", "行", "好吧")
	add("再见，有问题随时找我。", "再见", "拜拜", "bye", "88")
	return m
}()

// greetReply is answered with the menu below it.
const greetReply = "您好！我是交付助手：可以解答使用问题、受理报修、查询项目进度。我能帮您做这些："

// smallTalkReply answers text when the whole message is small talk.
func (r *Router) smallTalkReply(ctx context.Context, req *Request, text string) ([]Reply, bool) {
	key := strings.ToLower(strings.TrimFunc(text, func(c rune) bool {
		return unicode.IsSpace(c) || unicode.IsPunct(c) || unicode.IsSymbol(c) || strings.ContainsRune("啊呀哈哦~～", c)
	}))
	reply, ok := smallTalk[key]
	if key == "" && text != "" && onlyEmoji(text) {
		reply, ok = "好的，有需要随时找我。", true // 👍, 🙏: an acknowledgement
	}
	switch {
	case !ok:
		return nil, false
	case reply == greetReply:
		return []Reply{r.menu(ctx, req, greetReply)}, true
	default:
		return []Reply{Text("%s", reply)}, true
	}
}

// onlyEmoji: the text is pictographs (and their joiners) with nothing else;
// "？？" is not, it asks for help.
func onlyEmoji(text string) bool {
	seen := false
	for _, c := range strings.TrimSpace(text) {
		switch {
		case c == '\u200d' || c == '\ufe0f' || unicode.Is(unicode.Sk, c):
		case unicode.Is(unicode.So, c):
			seen = true
		default:
			return false
		}
	}
	return seen
}
