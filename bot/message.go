// Package bot is the core of deliverybot: messages, replies, the router, middleware,
// the dialog/form engine and the interfaces adapters implement. It imports no
// transport, storage or LLM library so every channel and store can be swapped.
package bot

import "time"

// Channel names where a message came from and how replies can be rendered.
type Channel string

const (
	ChannelWeCom    Channel = "wecom"
	ChannelTerminal Channel = "terminal"
	ChannelTest     Channel = "test"
)

// EventKind is a non-text interaction: a menu click, a card button, entering the app.
type EventKind string

const (
	EventNone       EventKind = ""
	EventMenuClick  EventKind = "menu_click"
	EventMenuView   EventKind = "menu_view"
	EventCardButton EventKind = "card_button"
	EventEnterApp   EventKind = "enter_app"
)

// Event carries the details of a non-text interaction.
type Event struct {
	Kind EventKind `json:"kind"`
	// Key is the menu key or the button key that was pressed.
	Key string `json:"key,omitempty"`
	// TaskID identifies the template card a button belongs to.
	TaskID string `json:"task_id,omitempty"`
	// ResponseCode lets the card be updated once after a click.
	ResponseCode string `json:"response_code,omitempty"`
}

// Media references something the user sent besides text.
type Media struct {
	Kind        string `json:"kind"`                   // image, voice, file, location, link
	Ref         string `json:"ref,omitempty"`          // stable blob-store reference once fetched
	ThumbRef    string `json:"thumb_ref,omitempty"`    // compressed thumbnail, when one was made
	ContentType string `json:"content_type,omitempty"` // e.g. image/jpeg
	MediaID     string `json:"media_id,omitempty"`     // channel media ID (WeCom keeps it 3 days)
	URL         string `json:"url,omitempty"`          // link URL or picture URL
	Title       string `json:"title,omitempty"`        // file name, link title, location label
}

// Message is one inbound user message or event, whatever the channel.
type Message struct {
	ID      string  `json:"id"`
	Channel Channel `json:"channel"`
	// UserID is kept exactly as the channel gave it: WeCom IDs may have leading zeros.
	UserID string    `json:"user_id"`
	ChatID string    `json:"chat_id,omitempty"`
	Text   string    `json:"text,omitempty"`
	Media  []Media   `json:"media,omitempty"`
	Event  *Event    `json:"event,omitempty"`
	Time   time.Time `json:"time"`
}

// Images returns the image attachments of the message.
func (m *Message) Images() []Media {
	var out []Media
	for _, md := range m.Media {
		if md.Kind == "image" {
			out = append(out, md)
		}
	}
	return out
}
