package ticket

// The 影响范围 and 紧急程度 steps are choices, and the form engine matches a
// choice's aliases exactly (ignoring case and trailing punctuation). People
// answer them in sentences ("我们科室都不行", "算了不急"), so the aliases are
// the phrasings built from who is affected, or how urgent it is, and the words
// around it.

// phrasings returns every head + middle + tail, without duplicates, in order.
func phrasings(heads, middles, tails []string) []string {
	var out []string
	seen := map[string]bool{} // a set: a list lookup per phrase made package init quadratic
	for _, h := range heads {
		for _, m := range middles {
			for _, t := range tails {
				if p := h + m + t; !seen[p] {
					seen[p] = true
					out = append(out, p)
				}
			}
		}
	}
	return out
}

// symptoms are how people say "it does not work" after who is affected.
var symptoms = []string{"", "不行", "不能用", "用不了", "打不开", "登不上", "连不上", "有问题", "出问题", "这样",
	"受影响", "坏了", "没法用", "不好用", "打印不了"}

var (
	// impactMeAliases: only the reporter is affected.
	impactMeAliases = append(phrasings(
		[]string{"只有我", "只有我自己", "只有我一个", "只有我一个人", "就我", "就我自己", "就我一个", "就我一个人",
			"仅我自己", "仅我一个人", "只是我", "只是我自己", "我自己", "我一个人", "只我", "只我一个", "个人", "一个人",
			"只影响我", "只影响我自己", "只影响我一个人", "就影响我"},
		[]string{"", "的", "的电脑"}, symptoms),
		"就我的电脑", "只有我的电脑", "别人都正常", "别人都没事", "别人都可以", "别人没问题", "其他人都正常",
		"其他人没问题", "其他人都可以", "其他同事都正常", "同事都正常", "同事都没问题")

	// impactDeptAliases: the reporter's department, office or a group of people.
	impactDeptAliases = phrasings(
		[]string{"本部门", "整个部门", "全部门", "部门里", "我们部门", "部门", "科室", "本科室", "整个科室", "全科室",
			"我们科室", "科里", "我们科", "全科", "办公室", "我们办公室", "整个办公室", "全办公室", "我们组", "全组",
			"整个组", "组里", "我们这层", "整层楼", "这一层", "几个人", "好几个人", "好多人", "很多人", "一些人",
			"部分人", "部分同事", "几个同事", "好几个同事", "同事们", "我们"},
		[]string{"", "都", "全都", "的人都", "所有人都", "的电脑都", "同事都"}, symptoms)

	// impactCompanyAliases: everyone.
	impactCompanyAliases = phrasings(
		[]string{"全部", "所有人", "整个公司", "公司", "全公司", "全院", "整个医院", "全医院", "医院", "全员",
			"全单位", "整个单位", "全楼", "整栋楼", "全厂", "整个厂", "大家", "全部人", "所有部门", "各个部门",
			"所有科室", "各个科室", "全院的人", "全公司的人"},
		[]string{"", "都", "全都", "的人都"}, symptoms)
)

// particles end a spoken answer ("不急的", "很急啊").
var particles = []string{"", "的", "啊", "呀", "哦", "了", "呢"}

var (
	// urgencyLowAliases: it can wait.
	urgencyLowAliases = phrasings([]string{"", "算了", "其实", "暂时", "先", "还", "也"},
		[]string{"不急", "不着急", "不紧急", "不是很急", "不是很着急", "不是很紧急", "不太急", "不太着急", "不太紧急",
			"不怎么急", "没那么急", "没有那么急", "没那么着急", "不用急", "不用着急", "不急不急", "一点都不急",
			"一点也不急", "不赶", "不赶时间", "慢慢来", "有空再弄", "有空再修", "有空再说", "有空再来", "不急用"},
		particles)

	// urgencyNormalAliases: soon, but nothing stops.
	urgencyNormalAliases = phrasings([]string{"", "还", "也"},
		[]string{"普通", "还好", "正常", "还行", "一般般", "一般吧", "有点急", "有一点急", "稍微有点急", "中等",
			"今天能修好就行", "今天弄好就行"},
		particles)

	// urgencyHighAliases: work is stopped or someone is waiting.
	urgencyHighAliases = append(phrasings([]string{"", "很", "特别", "非常", "挺", "超", "十分", "比较", "真的", "真的很", "太"},
		[]string{"急", "着急", "紧急", "急用", "着急用", "急着用"},
		particles),
		// someone needs it now
		phrasings([]string{"", "现在", "我们", "我"},
			[]string{"马上要用", "马上就要用", "马上用", "等着用", "急着要用", "现在就要用", "立刻要用", "赶时间",
				"急急急", "特急", "加急", "十万火急", "火烧眉毛", "越快越好", "尽快", "马上", "立刻", "尽快处理",
				"尽快修", "马上来", "耽误工作", "影响工作", "没法工作", "干不了活", "病人在等", "病人等着"},
			particles)...)
)
