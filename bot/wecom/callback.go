package wecom

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"deliverybot/bot"
)

// ErrIgnored marks an authentic callback we deliberately do not hand to the bot
// (change_contact, subscribe, location reports …). The endpoint answers 200.
var ErrIgnored = errors.New("wecom: callback ignored")

// ErrParse marks a decrypted payload that is not a callback we can read.
var ErrParse = errors.New("wecom: cannot parse callback")

// Envelope is the POST body WeCom sends; only Encrypt is signed.
type Envelope struct {
	XMLName    xml.Name `xml:"xml"`
	ToUserName string   `xml:"ToUserName"`
	AgentID    string   `xml:"AgentID"`
	Encrypt    string   `xml:"Encrypt"`
}

// Callback is a decrypted self-built-app callback: a message or an event.
type Callback struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string   `xml:"ToUserName"`
	FromUserName string   `xml:"FromUserName"`
	CreateTime   int64    `xml:"CreateTime"`
	MsgType      string   `xml:"MsgType"`
	MsgID        string   `xml:"MsgId"`
	AgentID      string   `xml:"AgentID"`

	Content      string `xml:"Content"`
	PicURL       string `xml:"PicUrl"`
	MediaID      string `xml:"MediaId"`
	Format       string `xml:"Format"`
	Recognition  string `xml:"Recognition"`
	ThumbMediaID string `xml:"ThumbMediaId"`
	FileName     string `xml:"FileName"`
	LocationX    string `xml:"Location_X"`
	LocationY    string `xml:"Location_Y"`
	Scale        string `xml:"Scale"`
	Label        string `xml:"Label"`
	Title        string `xml:"Title"`
	Description  string `xml:"Description"`
	URL          string `xml:"Url"`

	Event        string `xml:"Event"`
	EventKey     string `xml:"EventKey"`
	TaskID       string `xml:"TaskId"`
	CardType     string `xml:"CardType"`
	ResponseCode string `xml:"ResponseCode"`
	ChangeType   string `xml:"ChangeType"`
}

// ParseEnvelope reads the POST body and returns the Encrypt value.
func ParseEnvelope(body []byte) (Envelope, error) {
	var env Envelope
	if err := decodeXML(body, &env); err != nil {
		return env, fmt.Errorf("%w: envelope: %v", ErrParse, err)
	}
	if strings.TrimSpace(env.Encrypt) == "" {
		return env, fmt.Errorf("%w: envelope has no Encrypt", ErrParse)
	}
	return env, nil
}

// ParseCallback reads decrypted callback XML.
func ParseCallback(plain []byte) (*Callback, error) {
	var cb Callback
	if err := decodeXML(plain, &cb); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrParse, err)
	}
	if cb.FromUserName == "" {
		return nil, fmt.Errorf("%w: FromUserName missing", ErrParse)
	}
	if cb.MsgType == "" {
		return nil, fmt.Errorf("%w: MsgType missing", ErrParse)
	}
	return &cb, nil
}

// decodeXML decodes the first element, which must be <xml>; the strict decoder
// rejects malformed markup and only predefined entities exist, so no expansion attacks.
func decodeXML(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return errors.New("empty body")
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	return dec.Decode(v)
}

// DedupeKey identifies a callback across WeCom's retries: MsgId for messages;
// FromUserName+CreateTime+Event+EventKey for events, plus ResponseCode for
// template-card clicks (each click brings a fresh code).
func (cb *Callback) DedupeKey() string {
	if cb.MsgType != "event" && cb.MsgID != "" {
		return "wecom:msg:" + url.QueryEscape(cb.MsgID)
	}
	parts := []string{"wecom:evt", cb.FromUserName, strconv.FormatInt(cb.CreateTime, 10), cb.MsgType, cb.Event, cb.EventKey}
	if cb.Event == "template_card_event" {
		parts = append(parts, cb.ResponseCode)
	}
	for i := 1; i < len(parts); i++ {
		parts[i] = url.QueryEscape(parts[i]) // keeps ':' unambiguous as a separator
	}
	return strings.Join(parts, ":")
}

// Message converts the callback into a bot.Message. It returns ErrIgnored for
// callbacks the bot does not act on.
func (cb *Callback) Message() (bot.Message, error) {
	msg := bot.Message{
		ID:      cb.DedupeKey(),
		Channel: bot.ChannelWeCom,
		UserID:  cb.FromUserName, // kept exactly: IDs may have leading zeros
		Time:    time.Unix(cb.CreateTime, 0).UTC(),
	}
	switch cb.MsgType {
	case "text":
		msg.Text = cb.Content
	case "image":
		msg.Media = []bot.Media{{Kind: "image", MediaID: cb.MediaID, URL: cb.PicURL}}
	case "voice":
		msg.Media = []bot.Media{{Kind: "voice", MediaID: cb.MediaID, Title: cb.Format}}
		msg.Text = cb.Recognition
	case "video":
		msg.Media = []bot.Media{{Kind: "video", MediaID: cb.MediaID}}
	case "file":
		msg.Media = []bot.Media{{Kind: "file", MediaID: cb.MediaID, Title: cb.FileName}}
	case "location":
		msg.Media = []bot.Media{{Kind: "location", Title: cb.Label, URL: geoURI(cb.LocationX, cb.LocationY)}}
	case "link":
		msg.Media = []bot.Media{{Kind: "link", Title: cb.Title, URL: cb.URL}}
	case "event":
		return cb.eventMessage(msg)
	default:
		return msg, fmt.Errorf("%w: msgtype %q", ErrIgnored, cb.MsgType)
	}
	return msg, nil
}

func (cb *Callback) eventMessage(msg bot.Message) (bot.Message, error) {
	switch strings.ToLower(cb.Event) {
	case "enter_agent":
		msg.Event = &bot.Event{Kind: bot.EventEnterApp}
	case "click":
		// A menu key reads like a typed command, so menus can reuse the router's commands.
		msg.Event = &bot.Event{Kind: bot.EventMenuClick, Key: cb.EventKey}
		msg.Text = cb.EventKey
	case "view":
		msg.Event = &bot.Event{Kind: bot.EventMenuView, Key: cb.EventKey}
	case "template_card_event":
		// A button's key is its bot.Button.Value, which is sent back as if typed.
		msg.Event = &bot.Event{Kind: bot.EventCardButton, Key: cb.EventKey, TaskID: baseTaskID(cb.TaskID), ResponseCode: cb.ResponseCode}
		msg.Text = cb.EventKey
	default:
		return msg, fmt.Errorf("%w: event %q", ErrIgnored, cb.Event)
	}
	return msg, nil
}

// geoURI renders a location as "geo:lat,lon" (RFC 5870) when both parts are numbers.
func geoURI(lat, lon string) string {
	if _, err := strconv.ParseFloat(lat, 64); err != nil {
		return ""
	}
	if _, err := strconv.ParseFloat(lon, 64); err != nil {
		return ""
	}
	return "geo:" + lat + "," + lon
}
