package blob

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // decoders users' pictures may come in
	"image/jpeg"
	_ "image/png"

	_ "golang.org/x/image/bmp"
	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"
)

const (
	// ThumbMaxSide is the longest side of a thumbnail, in pixels.
	ThumbMaxSide = 320
	// ThumbContentType is what Thumbnail produces.
	ThumbContentType = "image/jpeg"
	// maxPixels rejects images whose header promises more pixels than a phone
	// camera makes (a decompression bomb would exhaust memory).
	maxPixels    = 80_000_000
	thumbQuality = 75
)

// ErrNotImage means the data is not an image format Thumbnail can read.
var ErrNotImage = errors.New("blob: not a supported image")

// Thumbnail returns a JPEG no larger than ThumbMaxSide on its longest side
// (smaller images keep their size), turned upright by its EXIF orientation, with
// transparency flattened onto white.
// It reads JPEG, PNG, GIF, WebP and BMP.
func Thumbnail(data []byte) ([]byte, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotImage, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxPixels {
		return nil, fmt.Errorf("blob: thumbnail: image of %d×%d pixels refused", cfg.Width, cfg.Height)
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotImage, err)
	}
	w, h := thumbSize(src.Bounds().Dx(), src.Bounds().Dy())
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.BiLinear.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Over, nil)
	upright := orient(dst, jpegOrientation(data))
	var out bytes.Buffer
	if err := jpeg.Encode(&out, upright, &jpeg.Options{Quality: thumbQuality}); err != nil {
		return nil, fmt.Errorf("blob: thumbnail: %w", err)
	}
	return out.Bytes(), nil
}

// thumbSize scales (w, h) so the longer side is at most ThumbMaxSide, keeping
// the aspect ratio and at least one pixel per side.
func thumbSize(w, h int) (int, int) {
	longest := max(w, h)
	if longest <= ThumbMaxSide {
		return w, h
	}
	return max(1, w*ThumbMaxSide/longest), max(1, h*ThumbMaxSide/longest)
}
