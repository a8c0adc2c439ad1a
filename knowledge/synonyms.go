package knowledge

import (
	"bufio"
	"io"
	"strings"
)

// SynonymGroup rewrites every variant to Canonical before matching.
type SynonymGroup struct {
	Canonical string
	Variants  []string
}

// SynonymTable is an ordered list of groups; earlier groups win conflicts.
// Opposites are the pairs of actions that undo each other (opposites.go).
type SynonymTable struct {
	Groups    []SynonymGroup
	Opposites []OppositePair
}

// Extend returns t's groups followed by base's, so a KB's own table overrides
// the built-in defaults for any variant both define.
func (t SynonymTable) Extend(base SynonymTable) SynonymTable {
	out := SynonymTable{Groups: make([]SynonymGroup, 0, len(t.Groups)+len(base.Groups))}
	out.Groups = append(out.Groups, t.Groups...)
	out.Groups = append(out.Groups, base.Groups...)
	out.Opposites = append(append(out.Opposites, t.Opposites...), base.Opposites...)
	return out
}

// ParseSynonyms reads "canonical: variant1|variant2" lines ("：" also accepted)
// and "action|variant <> reverse|variant" lines (opposite actions, see
// opposites.go); blank lines and "#" comments are skipped. Malformed lines are
// reported by number.
func ParseSynonyms(r io.Reader, file string) (SynonymTable, []RowError) {
	var (
		t    SynonymTable
		errs []RowError
	)
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		if p, ok := parseOpposite(s); ok {
			if len(p.A) == 0 || len(p.B) == 0 {
				errs = append(errs, RowError{File: file, Line: line, Reason: "反义动作行应为「动作|说法 <> 反向动作|说法」"})
				continue
			}
			t.Opposites = append(t.Opposites, p)
			continue
		}
		i := strings.IndexAny(s, ":：=")
		if i <= 0 {
			errs = append(errs, RowError{File: file, Line: line, Reason: "同义词行应为「标准词: 说法1|说法2」"})
			continue
		}
		_, size := firstRune(s[i:])
		g := SynonymGroup{Canonical: strings.TrimSpace(s[:i]), Variants: splitSimilar(s[i+size:])}
		if len(g.Variants) == 0 {
			errs = append(errs, RowError{File: file, Line: line, Reason: "同义词行没有任何说法"})
			continue
		}
		t.Groups = append(t.Groups, g)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, RowError{File: file, Reason: "读取失败：" + err.Error()})
	}
	return t, errs
}

// DefaultSynonyms is the built-in table every KB starts from: product
// abbreviations, common typos of phone input methods and colloquial phrasings.
// A KB's synonyms.txt extends (and overrides) it. It also holds the built-in
// opposite actions (defaultOpposites), which a KB's lines add to.
func DefaultSynonyms() SynonymTable {
	t, errs := ParseSynonyms(strings.NewReader(defaultSynonyms+defaultOpposites), "default")
	if len(errs) > 0 {
		panic("knowledge: bad default synonyms: " + errs[0].Error())
	}
	return t
}

const defaultSynonyms = `
# products
企业微信: 企微|企业vx|企业wx|企业威信|企业weixin|wecom|qywx|企鹅微信|企业薇信|企业维信|企业微新|企微app|企业微信app
腾讯会议: 腾会|tx会议|腾讯视频会议|voov|腾迅会议|腾讯会意
腾讯文档: tx文档|腾讯docs|腾讯在线文档|腾迅文档
微信: vx|wx|weixin|威信|薇信
vpn: vnp|v p n|虚拟专网|虚拟专用网
excel: xls|xlsx|exl|exce|execl|excle
oa: oa系统
# accounts and login
无法登录: 登不上|登不进|登不进去|登录不了|登录不上|登陆不了|登陆不上|无法登陆|登录失败|登陆失败|进不去|上不去|连不上去|登入不了|登录不进去|登录进不去|登不上去|登录不上去
登录: 登陆|登入|登錄
账号: 帐号|账户|帐户
密码: 口令|passwd|password|pwd|密吗|密马|秘码|密玛
验证码: 校验码|动态码|短信码|验证吗|验证马|验正码
二维码: qr码|二维吗|扫码码|二维马
# meetings
会议: 开会|视频会|视频会议|线上会议|网络会议|网上会议|远程会议|在线会议
共享屏幕: 屏幕共享|共享桌面|投屏|分享屏幕|共享画面
# generic verbs and question words
怎么: 如何|怎样|咋|怎么样才能|怎么才能|要怎么|该怎么|怎么去|怎摸|怎莫|怎末|怎么样才可以
怎么办: 咋办|怎么弄|咋弄|怎么搞|咋整|怎么处理|如何处理|怎么解决|如何解决|怎么整|怎么破|咋处理|咋解决
什么: 啥|神马|什麽
哪里: 哪儿|哪里面|在哪儿|在哪里|在哪|去哪里|去哪儿|去哪|哪个地方|什么地方|啥地方
多久: 多长时间|多少时间|多长的时间|多少天|要多久
为什么: 为啥|咋回事|怎么回事|什么原因|啥原因
创建: 新建|建立|新增|创建一个|建一个|建个
没反应: 没有反应|没响应|无响应|没动静
卡顿: 卡死|很卡|好卡|卡住了|卡住
闪退: 自动退出|崩溃了|崩了
什么时候: 啥时候|什么时间|几时|哪天|哪一天|几号|在哪天|是哪天|哪天开始
信息: 资料|材料|哪些内容
提供: 说明一下|写明|填写
查看: 查询|查一下|看一下|看看|查查
掉线: 断线|断开|断网|断连|老断|老是断|总是断|总断|断一次|断掉|就断了|又断了
没处理: 没人理|没人管|没人处理|没人回复|没人回|没有人处理|没人跟进
无法: 不能|没法|没办法|不可以|用不了
打不开: 打不开了|开不了|点不开|无法打开
电脑: pc|台式机|笔记本电脑|笔记本|计算机|windows电脑|mac电脑|mac|macbook|苹果电脑
手机: 移动端|手机端|iphone|安卓手机|苹果手机
设置: 设定|配置一下
别人: 其他人|其他同事|其它人|他人|其他成员
找谁: 联系谁|问谁|找哪个|找什么人|跟谁说|找哪位
删除: 删掉|删了|删去
下载: 下下来|下载下来
上传: 传上去|上载
修改: 更改|改一下
忘记: 忘了|不记得|记不得|记不住
# common phone input-method typos
审批: 申批|审pi
表格: 表哥|表个
报销: 报消|报帐|报账
考勤: 考情
附件: 付件
文档: 文挡|文当
视频: 视屏
摄像头: 摄象头|摄像投
`
