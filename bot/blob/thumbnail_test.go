package blob

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"
)

// photo makes a noisy picture, which compresses like a photograph does.
func photo(w, h int, alpha uint8) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x), uint8(y), uint8(r.IntN(256)), alpha})
		}
	}
	return img
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestThumbnailSizes(t *testing.T) {
	tests := []struct {
		name         string
		data         []byte
		wantW, wantH int
	}{
		{"wide PNG", encodePNG(t, photo(1000, 500, 255)), 320, 160},
		{"tall JPEG", encodeJPEG(t, photo(200, 800, 255)), 80, 320},
		{"small kept", encodePNG(t, photo(100, 50, 255)), 100, 50},
		{"thin line", encodePNG(t, photo(2000, 3, 255)), 320, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Thumbnail(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			img, format, err := image.Decode(bytes.NewReader(out))
			if err != nil || format != "jpeg" {
				t.Fatalf("thumbnail is not a JPEG: %v, %s", err, format)
			}
			if b := img.Bounds(); b.Dx() != tc.wantW || b.Dy() != tc.wantH {
				t.Fatalf("thumbnail %dx%d, want %dx%d", b.Dx(), b.Dy(), tc.wantW, tc.wantH)
			}
		})
	}
}

func TestThumbnailCompressesAndFlattensTransparency(t *testing.T) {
	in := encodePNG(t, photo(1200, 900, 0)) // fully transparent
	out, err := Thumbnail(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) >= len(in)/10 {
		t.Errorf("thumbnail %d bytes from %d: not compressed", len(out), len(in))
	}
	img, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	r, g, b, _ := img.At(10, 10).RGBA()
	if r>>8 < 245 || g>>8 < 245 || b>>8 < 245 {
		t.Errorf("transparent area is %d,%d,%d; want white", r>>8, g>>8, b>>8)
	}
}

func TestThumbnailRejectsNonImagesAndBombs(t *testing.T) {
	if _, err := Thumbnail([]byte("这不是图片")); !errors.Is(err, ErrNotImage) {
		t.Errorf("text: err = %v, want ErrNotImage", err)
	}
	if _, err := Thumbnail(encodePNG(t, photo(10, 10, 255))[:40]); err == nil {
		t.Error("truncated PNG: no error")
	}
	if _, err := Thumbnail(pngHeader(100000, 100000)); err == nil || errors.Is(err, ErrNotImage) {
		t.Errorf("100000×100000 header: err = %v, want a size refusal", err)
	}
}

// pngHeader is a PNG signature and IHDR chunk announcing w×h, with no pixels.
func pngHeader(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	var buf bytes.Buffer
	buf.WriteString("\x89PNG\r\n\x1a\n")
	_ = binary.Write(&buf, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	buf.Write(chunk)
	_ = binary.Write(&buf, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return buf.Bytes()
}

func BenchmarkThumbnail(b *testing.B) {
	in := encodeJPEG(b, photo(1920, 1080, 255))
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := Thumbnail(in); err != nil {
			b.Fatal(err)
		}
	}
}

// withOrientation inserts an EXIF segment carrying orientation o after the SOI.
func withOrientation(jpg []byte, o uint16, order binary.ByteOrder) []byte {
	var tiff bytes.Buffer
	if order == binary.LittleEndian {
		tiff.WriteString("II")
	} else {
		tiff.WriteString("MM")
	}
	_ = binary.Write(&tiff, order, uint16(42))
	_ = binary.Write(&tiff, order, uint32(8))
	_ = binary.Write(&tiff, order, uint16(1))           // one entry
	_ = binary.Write(&tiff, order, []uint16{0x0112, 3}) // tag, SHORT
	_ = binary.Write(&tiff, order, uint32(1))           // count
	_ = binary.Write(&tiff, order, []uint16{o, 0})      // value, padding
	_ = binary.Write(&tiff, order, uint32(0))           // no next IFD
	seg := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	out := []byte{0xFF, 0xD8, 0xFF, 0xE1, byte((len(seg) + 2) >> 8), byte(len(seg) + 2)}
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// A sideways phone photo: red on the stored left half, blue on the right.
func TestThumbnailAppliesEXIFOrientation(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 400, 200))
	for y := range 200 {
		for x := range 400 {
			c := color.RGBA{255, 0, 0, 255}
			if x >= 200 {
				c = color.RGBA{0, 0, 255, 255}
			}
			img.Set(x, y, c)
		}
	}
	plain := encodeJPEG(t, img)
	tests := []struct {
		name         string
		data         []byte
		wantW, wantH int
		redAt        image.Point // a point that must be red after turning upright
	}{
		{"no EXIF", plain, 320, 160, image.Pt(40, 80)},
		{"6: rotate 90° clockwise", withOrientation(plain, 6, binary.BigEndian), 160, 320, image.Pt(80, 40)},
		{"8: rotate 90° anticlockwise", withOrientation(plain, 8, binary.LittleEndian), 160, 320, image.Pt(80, 280)},
		{"3: upside down", withOrientation(plain, 3, binary.BigEndian), 320, 160, image.Pt(280, 80)},
		{"2: mirrored", withOrientation(plain, 2, binary.LittleEndian), 320, 160, image.Pt(280, 80)},
		{"bogus value ignored", withOrientation(plain, 77, binary.BigEndian), 320, 160, image.Pt(40, 80)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Thumbnail(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			th, err := jpeg.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if b := th.Bounds(); b.Dx() != tc.wantW || b.Dy() != tc.wantH {
				t.Fatalf("thumbnail %dx%d, want %dx%d", b.Dx(), b.Dy(), tc.wantW, tc.wantH)
			}
			r, _, b, _ := th.At(tc.redAt.X, tc.redAt.Y).RGBA()
			if r>>8 < 200 || b>>8 > 60 {
				t.Errorf("pixel at %v is r=%d b=%d, want red", tc.redAt, r>>8, b>>8)
			}
		})
	}
}

func FuzzJPEGOrientation(f *testing.F) {
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x02})
	f.Add(withOrientation([]byte{0xFF, 0xD8, 0xFF, 0xD9}, 6, binary.BigEndian))
	f.Fuzz(func(t *testing.T, data []byte) {
		if o := jpegOrientation(data); o < 1 || o > 8 {
			t.Fatalf("orientation %d out of range", o)
		}
	})
}
