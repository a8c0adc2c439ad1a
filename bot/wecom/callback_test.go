package wecom_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"deliverybot/bot"
	"deliverybot/bot/wecom"
)

func TestParseCallbackKinds(t *testing.T) {
	const head = `<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[007zhang]]></FromUserName><CreateTime>1700000000</CreateTime><AgentID>1000002</AgentID>`
	tests := []struct {
		name     string
		xml      string
		wantText string
		media    *bot.Media
		event    *bot.Event
		key      string
	}{
		{name: "text", xml: `<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[VPN连不上]]></Content><MsgId>1234567890123456</MsgId>`,
			wantText: "VPN连不上", key: "wecom:msg:1234567890123456"},
		{name: "image", xml: `<MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[https://p/1.jpg]]></PicUrl><MediaId><![CDATA[m1]]></MediaId><MsgId>11</MsgId>`,
			media: &bot.Media{Kind: "image", MediaID: "m1", URL: "https://p/1.jpg"}, key: "wecom:msg:11"},
		{name: "voice", xml: `<MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[v1]]></MediaId><Format><![CDATA[amr]]></Format><MsgId>12</MsgId>`,
			media: &bot.Media{Kind: "voice", MediaID: "v1", Title: "amr"}, key: "wecom:msg:12"},
		{name: "file", xml: `<MsgType><![CDATA[file]]></MsgType><MediaId><![CDATA[f1]]></MediaId><FileName><![CDATA[日志.zip]]></FileName><MsgId>13</MsgId>`,
			media: &bot.Media{Kind: "file", MediaID: "f1", Title: "日志.zip"}, key: "wecom:msg:13"},
		{name: "location", xml: `<MsgType><![CDATA[location]]></MsgType><Location_X>23.134</Location_X><Location_Y>113.358</Location_Y><Scale>20</Scale><Label><![CDATA[广州]]></Label><MsgId>14</MsgId>`,
			media: &bot.Media{Kind: "location", Title: "广州", URL: "geo:23.134,113.358"}, key: "wecom:msg:14"},
		{name: "link", xml: `<MsgType><![CDATA[link]]></MsgType><Title><![CDATA[手册]]></Title><Url><![CDATA[https://x/doc]]></Url><MsgId>15</MsgId>`,
			media: &bot.Media{Kind: "link", Title: "手册", URL: "https://x/doc"}, key: "wecom:msg:15"},
		{name: "enter_agent", xml: `<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[enter_agent]]></Event><EventKey><![CDATA[]]></EventKey>`,
			event: &bot.Event{Kind: bot.EventEnterApp}, key: "wecom:evt:007zhang:1700000000:event:enter_agent:"},
		{name: "click", xml: `<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[click]]></Event><EventKey><![CDATA[帮助]]></EventKey>`,
			wantText: "帮助", event: &bot.Event{Kind: bot.EventMenuClick, Key: "帮助"}, key: "wecom:evt:007zhang:1700000000:event:click:%E5%B8%AE%E5%8A%A9"},
		{name: "view", xml: `<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[view]]></Event><EventKey><![CDATA[https://x/]]></EventKey>`,
			event: &bot.Event{Kind: bot.EventMenuView, Key: "https://x/"}, key: "wecom:evt:007zhang:1700000000:event:view:https%3A%2F%2Fx%2F"},
		{name: "card", xml: `<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[确认]]></EventKey><TaskId><![CDATA[t1]]></TaskId><CardType><![CDATA[button_interaction]]></CardType><ResponseCode><![CDATA[rc9]]></ResponseCode>`,
			wantText: "确认", event: &bot.Event{Kind: bot.EventCardButton, Key: "确认", TaskID: "t1", ResponseCode: "rc9"},
			key: "wecom:evt:007zhang:1700000000:event:template_card_event:%E7%A1%AE%E8%AE%A4:rc9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cb, err := wecom.ParseCallback([]byte(head + tt.xml + `</xml>`))
			if err != nil {
				t.Fatal(err)
			}
			msg, err := cb.Message()
			if err != nil {
				t.Fatal(err)
			}
			if msg.Channel != bot.ChannelWeCom || msg.UserID != "007zhang" || !msg.Time.Equal(time.Unix(1700000000, 0)) {
				t.Fatalf("header fields wrong: %+v", msg)
			}
			if msg.Text != tt.wantText {
				t.Errorf("text %q, want %q", msg.Text, tt.wantText)
			}
			if got := cb.DedupeKey(); got != tt.key || msg.ID != tt.key {
				t.Errorf("dedupe key %q (id %q), want %q", got, msg.ID, tt.key)
			}
			if tt.media != nil && (len(msg.Media) != 1 || msg.Media[0] != *tt.media) {
				t.Errorf("media %+v, want %+v", msg.Media, *tt.media)
			}
			if tt.event != nil && (msg.Event == nil || *msg.Event != *tt.event) {
				t.Errorf("event %+v, want %+v", msg.Event, *tt.event)
			}
			if tt.event == nil && msg.Event != nil {
				t.Errorf("unexpected event %+v", msg.Event)
			}
		})
	}
}

func TestCardClickDedupeDiffersByResponseCode(t *testing.T) {
	mk := func(rc string) string {
		cb, err := wecom.ParseCallback([]byte(`<xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>template_card_event</Event><EventKey>k</EventKey><ResponseCode>` + rc + `</ResponseCode></xml>`))
		if err != nil {
			t.Fatal(err)
		}
		return cb.DedupeKey()
	}
	if mk("a") == mk("b") {
		t.Fatal("two clicks in the same second with different response codes share a dedupe key")
	}
	if mk("a") != mk("a") {
		t.Fatal("dedupe key not stable")
	}
}

func TestCardClickTaskIDLosesSendSuffix(t *testing.T) {
	for id, want := range map[string]string{"ticket_12@0a1b2c3d": "ticket_12", "plain": "plain", "a@notahex!": "a@notahex!", "x@0a1b2c3": "x@0a1b2c3"} {
		cb, err := wecom.ParseCallback([]byte(`<xml><FromUserName>u</FromUserName><MsgType>event</MsgType><Event>template_card_event</Event><EventKey>k</EventKey><TaskId>` + id + `</TaskId></xml>`))
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := cb.Message()
		if msg.Event.TaskID != want {
			t.Errorf("task %q → %q, want %q", id, msg.Event.TaskID, want)
		}
	}
}

func TestIgnoredCallbacks(t *testing.T) {
	for _, x := range []string{
		`<xml><FromUserName>sys</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>change_contact</Event><ChangeType>update_user</ChangeType></xml>`,
		`<xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>subscribe</Event></xml>`,
		`<xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>shortvideo</MsgType><MsgId>1</MsgId></xml>`,
	} {
		cb, err := wecom.ParseCallback([]byte(x))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cb.Message(); !errors.Is(err, wecom.ErrIgnored) {
			t.Errorf("%s: got %v, want ErrIgnored", x, err)
		}
	}
}

func TestParseCallbackRejects(t *testing.T) {
	for _, x := range []string{"", "not xml", "<xml><FromUserName>u</FromUserName>", `<xml><MsgType>text</MsgType></xml>`,
		`<xml><FromUserName>u</FromUserName></xml>`, `{"FromUserName":"u"}`, `<other><FromUserName>u</FromUserName><MsgType>text</MsgType></other>`} {
		if _, err := wecom.ParseCallback([]byte(x)); !errors.Is(err, wecom.ErrParse) {
			t.Errorf("%q: got %v, want ErrParse", x, err)
		}
	}
}

func TestVectorPlaintextsParse(t *testing.T) {
	for _, v := range loadVectors(t).accepted() {
		if v.Kind != "decrypt_msg" || !strings.HasPrefix(v.ExpectedPlaintext, "<xml>") {
			continue
		}
		cb, err := wecom.ParseCallback([]byte(v.ExpectedPlaintext))
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		msg, err := cb.Message()
		if err != nil || msg.UserID == "" {
			t.Fatalf("%s: %+v %v", v.Name, msg, err)
		}
	}
}

func FuzzParseCallback(f *testing.F) {
	for _, v := range loadVectors(f).accepted() {
		if strings.HasPrefix(v.ExpectedPlaintext, "<xml>") {
			f.Add([]byte(v.ExpectedPlaintext))
		}
	}
	f.Add([]byte(`<xml><FromUserName>u</FromUserName><MsgType>event</MsgType><Event>click</Event><EventKey>k</EventKey></xml>`))
	f.Add([]byte(`<xml><FromUserName>u</FromUserName><MsgType>location</MsgType><Location_X>x</Location_X></xml>`))
	f.Add([]byte(`<?xml version="1.0" encoding="gbk"?><xml></xml>`))
	f.Add([]byte(`<xml><!DOCTYPE x [<!ENTITY a "aaaa">]><FromUserName>&a;</FromUserName></xml>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cb, err := wecom.ParseCallback(data)
		if err != nil {
			if !errors.Is(err, wecom.ErrParse) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if cb.FromUserName == "" || cb.MsgType == "" {
			t.Fatal("accepted a callback without sender or type")
		}
		msg, err := cb.Message()
		if err != nil && !errors.Is(err, wecom.ErrIgnored) {
			t.Fatalf("Message: %v", err)
		}
		if err == nil && (msg.UserID != cb.FromUserName || msg.ID == "") {
			t.Fatalf("bad message %+v", msg)
		}
	})
}
