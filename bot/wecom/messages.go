package wecom

// Our own request structs: silenceper's message types lack markdown and
// template_card and type AgentID as a string, while the API wants an integer.

// Message types for message/send.
const (
	MsgText         = "text"
	MsgMarkdown     = "markdown"
	MsgTextCard     = "textcard"
	MsgTemplateCard = "template_card"
)

// MessageRequest is the body of POST /cgi-bin/message/send.
type MessageRequest struct {
	ToUser       string        `json:"touser,omitempty"`
	ToParty      string        `json:"toparty,omitempty"`
	ToTag        string        `json:"totag,omitempty"`
	MsgType      string        `json:"msgtype"`
	AgentID      int64         `json:"agentid"`
	Text         *Content      `json:"text,omitempty"`
	Markdown     *Content      `json:"markdown,omitempty"`
	TextCard     *TextCard     `json:"textcard,omitempty"`
	TemplateCard *TemplateCard `json:"template_card,omitempty"`
	// Safe=1 marks confidential messages (no forwarding, watermark).
	Safe                   int `json:"safe,omitempty"`
	EnableDuplicateCheck   int `json:"enable_duplicate_check,omitempty"`
	DuplicateCheckInterval int `json:"duplicate_check_interval,omitempty"`
}

// Content is the body of a text or markdown message (at most 2048 bytes).
type Content struct {
	Content string `json:"content"`
}

// TextCard is the textcard message; URL is required by WeCom.
type TextCard struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	URL         string `json:"url"`
	BtnTxt      string `json:"btntxt,omitempty"`
}

// Template card types.
const (
	CardTextNotice        = "text_notice"
	CardButtonInteraction = "button_interaction"
)

// TemplateCard is the template_card message (we send button_interaction).
type TemplateCard struct {
	CardType              string              `json:"card_type"`
	MainTitle             *CardTitle          `json:"main_title,omitempty"`
	SubTitleText          string              `json:"sub_title_text,omitempty"`
	HorizontalContentList []HorizontalContent `json:"horizontal_content_list,omitempty"`
	CardAction            *CardAction         `json:"card_action,omitempty"`
	TaskID                string              `json:"task_id,omitempty"`
	ButtonList            []CardButton        `json:"button_list,omitempty"`
	// ReplaceText is used by update_template_card to show a final state.
	ReplaceText string `json:"replace_text,omitempty"`
}

// CardTitle is a card's main title and description.
type CardTitle struct {
	Title string `json:"title,omitempty"`
	Desc  string `json:"desc,omitempty"`
}

// HorizontalContent is one key/value line on a card.
type HorizontalContent struct {
	KeyName string `json:"keyname"`
	Value   string `json:"value,omitempty"`
	Type    int    `json:"type,omitempty"`
	URL     string `json:"url,omitempty"`
}

// CardAction is what a tap on the card body does (type 1 = open URL).
type CardAction struct {
	Type int    `json:"type"`
	URL  string `json:"url,omitempty"`
}

// CardButton is a button_interaction button; Key comes back as EventKey.
type CardButton struct {
	Text  string `json:"text"`
	Style int    `json:"style,omitempty"`
	Key   string `json:"key"`
}

// SendResult is message/send's answer. ResponseCode lets a sent card be updated once.
type SendResult struct {
	ErrCode        int    `json:"errcode"`
	ErrMsg         string `json:"errmsg"`
	InvalidUser    string `json:"invaliduser,omitempty"`
	InvalidParty   string `json:"invalidparty,omitempty"`
	InvalidTag     string `json:"invalidtag,omitempty"`
	UnlicensedUser string `json:"unlicenseduser,omitempty"`
	MsgID          string `json:"msgid,omitempty"`
	ResponseCode   string `json:"response_code,omitempty"`
}

// UpdateTemplateCardRequest is the body of POST /cgi-bin/message/update_template_card.
type UpdateTemplateCardRequest struct {
	UserIDs      []string      `json:"userids,omitempty"`
	PartyIDs     []int64       `json:"partyids,omitempty"`
	TagIDs       []int64       `json:"tagids,omitempty"`
	AtAll        int           `json:"atall,omitempty"`
	AgentID      int64         `json:"agentid"`
	ResponseCode string        `json:"response_code"`
	Button       *ReplaceName  `json:"button,omitempty"`
	TemplateCard *TemplateCard `json:"template_card,omitempty"`
}

// ReplaceName greys out the card's buttons with a new label.
type ReplaceName struct {
	ReplaceName string `json:"replace_name"`
}

// User is the part of user/get we use.
type User struct {
	UserID     string  `json:"userid"`
	Name       string  `json:"name"`
	Department []int64 `json:"department,omitempty"`
	Position   string  `json:"position,omitempty"`
	Mobile     string  `json:"mobile,omitempty"`
	Email      string  `json:"email,omitempty"`
	Status     int     `json:"status,omitempty"`
}

// apiStatus is the errcode/errmsg every WeCom JSON answer carries.
type apiStatus struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}
