package ticket_test

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"
	"time"

	"deliverybot/bot"
	"deliverybot/bot/bottest"
	"deliverybot/bot/redisstore/redistest"
	"deliverybot/handlers/ticket"
	"deliverybot/handlers/ticket/ticketstore"
)

// BenchmarkPhotoTurn measures one photo arriving in the 照片 step: blob store,
// thumbnail, session save (a 1600×1200 phone-camera-sized JPEG).
func BenchmarkPhotoTurn(b *testing.B) {
	be := redistest.New(b)
	reg := fixtureRegistry()
	store := ticketstore.New(be.Client, be.Prefix, bottest.Shanghai)
	h := bottest.New(b, bottest.WithBackend(be), bottest.WithIdentity(reg),
		bottest.WithSetup(func(r *bot.Router, d *bot.Deps) {
			if _, err := ticket.Register(r, ticket.Deps{Store: store, Directory: reg, Clock: d.Clock}); err != nil {
				b.Fatal(err)
			}
		}))
	img := image.NewRGBA(image.Rect(0, 0, 1600, 1200))
	for i := range img.Pix {
		img.Pix[i] = uint8(uint32(i) * 2654435761 >> 24)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		b.Fatal(err)
	}
	for _, m := range []string{"报修", "打印机", "三楼打印机又卡纸了", "跳过", "仅我", "一般", "跳过"} {
		h.Say(reporter, m)
	}
	for b.Loop() {
		h.SendImage(reporter, buf.Bytes(), "image/jpeg")
	}
}

// BenchmarkFiling measures a whole filing dialog, from 报修 to the created ticket.
func BenchmarkFiling(b *testing.B) {
	be := redistest.New(b)
	reg := fixtureRegistry()
	store := ticketstore.New(be.Client, be.Prefix, bottest.Shanghai)
	h := bottest.New(b, bottest.WithBackend(be), bottest.WithIdentity(reg),
		bottest.WithSetup(func(r *bot.Router, d *bot.Deps) {
			if _, err := ticket.Register(r, ticket.Deps{Store: store, Directory: reg, Clock: d.Clock}); err != nil {
				b.Fatal(err)
			}
		}))
	for b.Loop() {
		h.Clock.Advance(25 * time.Hour) // past the similar-ticket window: each run files anew
		for _, m := range []string{"报修", "打印机", "审批流程打不开，提示网络错误", "跳过", "仅我", "一般", "跳过", "跳过", "确认"} {
			h.Say(reporter, m)
		}
	}
	b.StopTimer()
	if n, _ := store.List(b.Context(), ticketstore.Filter{}); len(n) != b.N {
		b.Fatalf("%d tickets after %d filings", len(n), b.N)
	}
}
