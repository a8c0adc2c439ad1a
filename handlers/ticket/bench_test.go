package ticket_test

import (
	"bytes"
	"image/jpeg"
	"testing"
	"time"

	"deliverybot/handlers/ticket/ticketstore"
)

// BenchmarkPhotoTurn measures one photo arriving in the 照片 step: blob store,
// thumbnail, session save (a 1600×1200 phone-camera-sized JPEG).
func BenchmarkPhotoTurn(b *testing.B) {
	h, _ := realTickets(b)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, noisyImage(1600, 1200), &jpeg.Options{Quality: 85}); err != nil {
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
	h, store := realTickets(b)
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
