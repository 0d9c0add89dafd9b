//! Time and peak memory to turn an upload into every display variant, with the `image` crate's
//! Lanczos3 resize and with `fast_image_resize`: a 12-megapixel JPEG (targets: < 1 s, < 200 MiB)
//! and a 7000×7000 RGBA PNG, whose decoded pixels alone take 187 MiB (target: peak within the
//! decoded size plus a third; the server's budget in `state::ImageWork` assumes as much).
//!
//! Each measurement runs in a child process of its own, so its peak resident memory (VmHWM) is
//! its own. Run with `cargo bench --bench media`.

use std::{io::Cursor, process::Command, time::Instant};

use debut::media::process::{self, ResizeWith};
use image::{DynamicImage, Rgb, RgbImage};

const RUNS: usize = 3;

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// One pipeline run in this (child) process: prints `milliseconds peak_mib variant_bytes`.
fn child(mode: &str, path: &str) {
    let bytes = std::fs::read(path).unwrap();
    let with = if mode == "fir" { ResizeWith::FastImageResize } else { ResizeWith::ImageCrate };
    let started = Instant::now();
    let image = process::decode(&bytes, 50_000_000).unwrap();
    let variants = process::variants(image, with).unwrap();
    let elapsed = started.elapsed().as_secs_f64() * 1000.0;
    let total: usize = variants.iter().map(|v| v.bytes.len()).sum();
    println!("{elapsed:.1} {:.1} {total}", peak_rss_mib());
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        child(&args[i + 1], &args[i + 2]);
        return;
    }
    // A 4000×3000 photo-like JPEG (gradients and texture, quality 90).
    let picture = RgbImage::from_fn(4000, 3000, |x, y| {
        let noise = ((x * 7919 + y * 104_729) % 61) as u8;
        Rgb([(x / 16) as u8 ^ noise, (y / 12) as u8, ((x + y) / 28) as u8 ^ (noise / 2)])
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut Cursor::new(&mut jpeg), 90)
        .encode_image(&DynamicImage::ImageRgb8(picture))
        .unwrap();
    // A 7000×7000 RGBA PNG: small on disk, 187 MiB decoded (the decompression case of issue 16).
    let rgba =
        image::RgbaImage::from_fn(7000, 7000, |x, y| image::Rgba([(x / 64) as u8, (y / 64) as u8, 90, 200]));
    let mut png = Vec::new();
    image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new(&mut png),
        rgba.as_raw(),
        7000,
        7000,
        image::ExtendedColorType::Rgba8,
    )
    .unwrap();
    drop(rgba);
    // The bytes of each variant format for the photo (issue 18: WebP smaller than JPEG).
    let variants =
        process::variants(process::decode(&jpeg, 50_000_000).unwrap(), ResizeWith::FastImageResize).unwrap();
    println!("variant sizes of the 12 MP photo:");
    for width in process::WIDTHS {
        let bytes = |encoding| {
            variants.iter().find(|v| v.width == width && v.encoding == encoding).map_or(0, |v| v.bytes.len())
        };
        let (jpeg, webp) = (bytes(process::Encoding::Jpeg), bytes(process::Encoding::Webp));
        println!(
            "  {width:>4} wide: JPEG {:>7} bytes, WebP {:>7} bytes ({:.2}× the JPEG)",
            jpeg,
            webp,
            webp as f64 / jpeg as f64
        );
    }
    drop(variants);
    let dir = tempfile::tempdir().unwrap();
    let inputs = [("12mp.jpg", jpeg, 4000 * 3000 * 3), ("49mp.png", png, 7000 * 7000 * 4)];
    let exe = std::env::current_exe().unwrap();
    for (name, bytes, decoded) in inputs {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        let decoded_mib = decoded as f64 / 1048576.0;
        println!(
            "input: {name}, {:.1} MiB, {decoded_mib:.0} MiB decoded; variants: 320/640/1280 wide, JPEG q82 and lossy WebP q90",
            bytes.len() as f64 / 1048576.0
        );
        for (mode, label) in [("image", "image crate resize"), ("fir", "fast_image_resize")] {
            let mut times = Vec::new();
            let mut peak: f64 = 0.0;
            let mut size = 0;
            for _ in 0..RUNS {
                let out =
                    Command::new(&exe).args(["--child", mode, path.to_str().unwrap()]).output().unwrap();
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                let line = String::from_utf8(out.stdout).unwrap();
                let fields: Vec<f64> = line.split_whitespace().map(|f| f.parse().unwrap()).collect();
                times.push(fields[0]);
                peak = peak.max(fields[1]);
                size = fields[2] as usize;
            }
            times.sort_by(f64::total_cmp);
            println!(
                "  {label:<20} median {:>7.0} ms (min {:.0}, max {:.0}), peak RSS {peak:.0} MiB ({:.2}× the decoded pixels), variants {:.1} MiB",
                times[RUNS / 2],
                times[0],
                times[RUNS - 1],
                peak / decoded_mib,
                size as f64 / 1048576.0
            );
        }
    }
}
