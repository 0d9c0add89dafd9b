//! Turning an upload into safe display variants, off the async executor.
//!
//! The format comes from the content, never the name. The header is read first and an image
//! with too many pixels is refused before anything is decoded (a decompression bomb costs us a
//! few bytes). Decoding runs with explicit limits. EXIF orientation is applied, then every
//! variant is encoded afresh, which leaves all metadata (GPS included) behind.

use std::io::Cursor;

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::{
    DynamicImage, ImageDecoder, ImageEncoder, ImageFormat, ImageReader, Limits, codecs::jpeg::JpegEncoder,
    metadata::Orientation,
};

/// Display widths; an image narrower than a width gets no variant of it (never upscaled), and
/// every image gets at least one variant at its own width.
pub const WIDTHS: [u32; 3] = [320, 640, 1280];
const JPEG_QUALITY: u8 = 82;
/// Lossy WebP (libwebp) at this quality matches our JPEGs on photos (PSNR within about 1.5 dB
/// either way on three real photos at 640 and 1280 px) at 0.71–0.91 of their bytes; at 80–85
/// it is half the bytes but measurably softer. Pages offer it first. A WebP that comes out no
/// smaller than its JPEG (synthetic noise can) is not kept.
const WEBP_QUALITY: f32 = 90.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Jpeg,
    Webp,
}

impl Encoding {
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Webp => "webp",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Webp => "image/webp",
        }
    }
}

/// One encoded variant.
#[derive(Debug, Clone)]
pub struct Variant {
    pub width: u32,
    pub height: u32,
    pub encoding: Encoding,
    pub bytes: Vec<u8>,
}

/// What went wrong with an upload, in words for the person who sent it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    // The texts here are for logs; people read `invalid()`'s words in their language.
    #[error("the file is empty")]
    Empty,
    #[error("the file is not a JPEG, PNG or WebP image")]
    UnsupportedFormat,
    #[error("the image is {width}×{height} pixels; at most {max_megapixels} megapixels are accepted")]
    TooManyPixels { width: u32, height: u32, max_megapixels: u64 },
    #[error("the image data is truncated or corrupt ({0}); export it again and retry")]
    Corrupt(String),
}

impl ImageError {
    /// What is wrong, for the person who sent the file.
    pub fn invalid(&self) -> crate::error::Invalid {
        use crate::error::Invalid;
        match self {
            Self::Empty => Invalid::new("image-empty"),
            Self::UnsupportedFormat => Invalid::new("image-format"),
            Self::TooManyPixels { width, height, max_megapixels } => Invalid::new("image-pixels")
                .with("width", width)
                .with("height", height)
                .with("max", max_megapixels),
            Self::Corrupt(_) => Invalid::new("image-corrupt"),
        }
    }
}

/// Which resizer to use; the benchmark compares them, the service uses the fast one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResizeWith {
    FastImageResize,
    ImageCrate,
}

/// The upload's format, from its first bytes.
pub fn sniff(bytes: &[u8]) -> Result<ImageFormat, ImageError> {
    if bytes.is_empty() {
        return Err(ImageError::Empty);
    }
    match image::guess_format(bytes) {
        Ok(format @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => Ok(format),
        _ => Err(ImageError::UnsupportedFormat),
    }
}

/// The dimensions a header declares, read without decoding any pixels.
fn header_dimensions(bytes: &[u8], format: ImageFormat) -> image::ImageResult<(u32, u32)> {
    // A PNG states its size in the IHDR chunk that must come first; read it directly, so that a
    // header alone (a bomb with no pixel data) is judged by what it claims.
    if format == ImageFormat::Png && bytes.len() >= 24 && &bytes[12..16] == b"IHDR" {
        let width = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
        let height = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
        return Ok((width, height));
    }
    ImageReader::with_format(Cursor::new(bytes), format).into_dimensions()
}

/// Whether a JPEG's last scan is followed by its end-of-image marker. The decoder fills a
/// truncated scan with grey rather than failing, so a cut-off upload would otherwise pass.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let last_scan = bytes.windows(2).rposition(|w| w == [0xFF, 0xDA]);
    let end = bytes.windows(2).rposition(|w| w == [0xFF, 0xD9]);
    matches!((last_scan, end), (Some(scan), Some(end)) if end > scan)
}

/// Why an upload cannot be decoded, in the uploader's words.
fn corrupt(e: image::ImageError) -> ImageError {
    ImageError::Corrupt(e.to_string())
}

/// The format and declared size, once they pass the pixel limit and a JPEG is whole.
fn check_header(bytes: &[u8], max_pixels: u64) -> Result<(ImageFormat, u32, u32), ImageError> {
    let format = sniff(bytes)?;
    let (width, height) = header_dimensions(bytes, format).map_err(corrupt)?;
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(ImageError::TooManyPixels { width, height, max_megapixels: max_pixels / 1_000_000 });
    }
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(ImageError::Corrupt("the JPEG ends before its end-of-image marker".into()));
    }
    Ok((format, width, height))
}

/// The most memory decoding and resizing this upload takes at once, in bytes, from its header
/// alone: the decoded pixels (the only full-size buffer the pipeline holds, see [`variants`]),
/// plus the resizer's working rows and the variants, bounded by the largest display width.
pub fn memory_needed(bytes: &[u8], max_pixels: u64) -> Result<u64, ImageError> {
    let (format, width, height) = check_header(bytes, max_pixels)?;
    let decoder = ImageReader::with_format(Cursor::new(bytes), format).into_decoder().map_err(corrupt)?;
    let pixel_bytes = u64::from(decoder.color_type().bytes_per_pixel());
    let largest = u64::from(WIDTHS[WIDTHS.len() - 1]);
    // The resizer's first pass is `largest` columns by the source's rows; the rest is smaller.
    let working = 2 * largest * u64::from(width.max(height)) * pixel_bytes.max(4);
    Ok(decoder.total_bytes() + working)
}

/// A decoded upload as stored. Its EXIF orientation is applied to each (small) variant rather
/// than to the full image, which would copy every pixel once more.
pub struct Decoded {
    image: DynamicImage,
    orientation: Orientation,
}

impl Decoded {
    /// Width and height once upright.
    pub fn dimensions(&self) -> (u32, u32) {
        swap_if_sideways(self.orientation, self.image.width(), self.image.height())
    }
}

/// Whether turning upright swaps width and height.
fn turns_sideways(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// Width and height on the other side of turning upright (the same swap both ways).
fn swap_if_sideways(orientation: Orientation, width: u32, height: u32) -> (u32, u32) {
    if turns_sideways(orientation) { (height, width) } else { (width, height) }
}

/// Decodes the upload within `max_pixels`.
pub fn decode(bytes: &[u8], max_pixels: u64) -> Result<Decoded, ImageError> {
    let (format, width, height) = check_header(bytes, max_pixels)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    // Room for the decoded pixels (up to 16 bytes each, for 16-bit RGBA) and the decoder's own.
    limits.max_alloc = Some(max_pixels * 16 + 64 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(corrupt)?;
    let orientation = decoder.orientation().map_err(corrupt)?;
    let image = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    Ok(Decoded { image, orientation })
}

fn resize(image: &DynamicImage, width: u32, height: u32, with: ResizeWith) -> DynamicImage {
    match with {
        ResizeWith::ImageCrate => image.resize_exact(width, height, image::imageops::FilterType::Lanczos3),
        ResizeWith::FastImageResize => {
            let mut out = DynamicImage::new(width, height, image.color());
            // Alpha is premultiplied in place beforehand (see `variants`): letting the resizer do it
            // would take a full-size copy of the source.
            let options = ResizeOptions::new()
                .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3))
                .use_alpha(false);
            match Resizer::new().resize(image, &mut out, &options) {
                Ok(()) => out,
                // Pixel types it does not handle (none of ours): fall back to the slower path.
                Err(_) => image.resize_exact(width, height, image::imageops::FilterType::Lanczos3),
            }
        }
    }
}

/// The widths an image of `width` gets.
pub fn widths_for(width: u32) -> Vec<u32> {
    let mut widths: Vec<u32> = WIDTHS.iter().copied().filter(|w| *w <= width).collect();
    if widths.is_empty() {
        widths.push(width);
    }
    widths
}

/// Every display variant of an upload, upright: JPEG and WebP at each width.
///
/// Memory: the decoded image is the only full-size buffer. Alpha is premultiplied in place (so
/// the resizer blends colours correctly without copying the source); the largest variant is
/// resized from the source and each smaller one from the next larger (one pass over the full
/// image, not one per width); each is then un-premultiplied, converted to RGBA and turned upright.
pub fn variants(decoded: Decoded, with: ResizeWith) -> Result<Vec<Variant>, ImageError> {
    let Decoded { mut image, orientation } = decoded;
    let (upright_width, upright_height) = swap_if_sideways(orientation, image.width(), image.height());
    let widths = widths_for(upright_width);
    let mul_div = fast_image_resize::MulDiv::default();
    let premultiplied = with == ResizeWith::FastImageResize
        && widths.iter().any(|w| *w != upright_width)
        && image.color().has_alpha()
        && mul_div.multiply_alpha_inplace(&mut image).is_ok();
    let mut out = Vec::new();
    let mut larger: Option<DynamicImage> = None;
    for width in widths.into_iter().rev() {
        let height =
            ((u64::from(upright_height) * u64::from(width)) / u64::from(upright_width)).max(1) as u32;
        let (stored_width, stored_height) = swap_if_sideways(orientation, width, height);
        let source = larger.as_ref().unwrap_or(&image);
        let scaled = if stored_width == source.width() {
            source.clone()
        } else {
            resize(source, stored_width, stored_height, with)
        };
        let mut resized = scaled.clone();
        larger = Some(scaled);
        if premultiplied {
            mul_div.divide_alpha_inplace(&mut resized).map_err(|e| ImageError::Corrupt(e.to_string()))?;
        }
        resized.apply_orientation(orientation);
        let rgba8 = resized.into_rgba8();
        // JPEG has no alpha: flatten onto white.
        let mut rgb = image::RgbImage::new(width, height);
        for (x, y, pixel) in rgba8.enumerate_pixels() {
            let [r, g, b, a] = pixel.0;
            let blend = |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
            rgb.put_pixel(x, y, image::Rgb([blend(r), blend(g), blend(b)]));
        }
        let encode_error = |e: image::ImageError| ImageError::Corrupt(e.to_string());
        let mut jpeg = Vec::new();
        JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY)
            .write_image(rgb.as_raw(), width, height, image::ExtendedColorType::Rgb8)
            .map_err(encode_error)?;
        let webp = webp::Encoder::from_rgba(rgba8.as_raw(), width, height)
            .encode_simple(false, WEBP_QUALITY)
            .map_err(|e| ImageError::Corrupt(format!("encoding WebP: {e:?}")))?
            .to_vec();
        if webp.len() < jpeg.len() {
            out.push(Variant { width, height, encoding: Encoding::Webp, bytes: webp });
        }
        out.push(Variant { width, height, encoding: Encoding::Jpeg, bytes: jpeg });
    }
    // Smallest first, JPEG before WebP at each width.
    out.reverse();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = Vec::new();
        DynamicImage::new_rgb8(width, height)
            .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
            .unwrap();
        bytes
    }

    #[test]
    fn variants_never_upscale() {
        assert_eq!(widths_for(2000), [320, 640, 1280]);
        assert_eq!(widths_for(700), [320, 640]);
        assert_eq!(widths_for(100), [100]);
        let image = decode(&png(700, 350), 1_000_000).unwrap();
        let out = variants(image, ResizeWith::FastImageResize).unwrap();
        assert_eq!(
            out.iter().map(|v| (v.width, v.height)).collect::<Vec<_>>(),
            [(320, 160), (320, 160), (640, 320), (640, 320)]
        );
    }

    #[test]
    fn the_format_comes_from_the_content() {
        assert_eq!(sniff(&png(2, 2)), Ok(ImageFormat::Png));
        assert_eq!(sniff(b"GIF89a...."), Err(ImageError::UnsupportedFormat));
        assert_eq!(sniff(b"hello, I am a text file"), Err(ImageError::UnsupportedFormat));
        assert_eq!(sniff(b""), Err(ImageError::Empty));
    }

    #[test]
    fn a_cut_off_jpeg_is_corrupt() {
        let mut bytes = Vec::new();
        DynamicImage::new_rgb8(64, 64).write_to(&mut Cursor::new(&mut bytes), ImageFormat::Jpeg).unwrap();
        assert!(decode(&bytes, 1_000_000).is_ok());
        assert!(matches!(decode(&bytes[..bytes.len() - 10], 1_000_000), Err(ImageError::Corrupt(_))));
    }

    #[test]
    fn too_many_pixels_is_refused_from_the_header() {
        assert!(matches!(
            decode(&png(2000, 1000), 1_000_000),
            Err(ImageError::TooManyPixels { width: 2000, height: 1000, .. })
        ));
    }

    /// A photo-like picture: smooth light, edges and fine texture, as a camera gives.
    fn photo(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| {
            let (fx, fy) = (x as f32 / width as f32, y as f32 / height as f32);
            let grain = ((x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) >> 7) % 23;
            let window = u32::from((x / 40 + y / 30) % 5 == 0) * 60;
            let base = [200.0 * fx + 30.0, 160.0 * (1.0 - fy) + 40.0, 120.0 * (fx * fy).sqrt() + 60.0];
            image::Rgb(base.map(|c| (c as u32 + grain + window).min(255) as u8))
        });
        let mut bytes = Vec::new();
        JpegEncoder::new_with_quality(&mut bytes, 95)
            .write_image(image.as_raw(), width, height, image::ExtendedColorType::Rgb8)
            .unwrap();
        bytes
    }

    pub(super) fn psnr(a: &image::RgbImage, b: &image::RgbImage) -> f64 {
        let squared: f64 =
            a.as_raw().iter().zip(b.as_raw()).map(|(x, y)| (f64::from(*x) - f64::from(*y)).powi(2)).sum();
        10.0 * (255.0_f64.powi(2) / (squared / a.as_raw().len() as f64)).log10()
    }

    #[test]
    fn lossy_webp_is_smaller_than_jpeg_at_the_same_quality() {
        let source = photo(1600, 1067);
        let out = variants(decode(&source, 10_000_000).unwrap(), ResizeWith::FastImageResize).unwrap();
        let of = |width, encoding| out.iter().find(|v: &&Variant| v.width == width && v.encoding == encoding);
        // A WebP is kept only where it is the smaller file.
        for width in [320, 640, 1280] {
            if let Some(webp) = of(width, Encoding::Webp) {
                assert!(webp.bytes.len() < of(width, Encoding::Jpeg).unwrap().bytes.len(), "{width}");
            }
        }
        // What both variants of a width were encoded from: the source, resized the same way.
        let original = decode(&source, 10_000_000).unwrap();
        let width = 640;
        let (jpeg, webp) =
            (of(width, Encoding::Jpeg).unwrap(), of(width, Encoding::Webp).expect("a WebP at 640"));
        let reference = resize(&original.image, width, jpeg.height, ResizeWith::FastImageResize).into_rgb8();
        let decoded = |bytes: &[u8]| image::load_from_memory(bytes).unwrap().into_rgb8();
        let (jpeg_psnr, webp_psnr) =
            (psnr(&reference, &decoded(&jpeg.bytes)), psnr(&reference, &decoded(&webp.bytes)));
        assert!(
            webp.bytes.len() < jpeg.bytes.len(),
            "WebP {} bytes, JPEG {} bytes",
            webp.bytes.len(),
            jpeg.bytes.len()
        );
        assert!(webp_psnr > jpeg_psnr - 1.0, "WebP {webp_psnr:.2} dB, JPEG {jpeg_psnr:.2} dB");
        assert_eq!(&webp.bytes[8..12], b"WEBP");
    }
}
