//! A document's bytes as chunks, compressed and tagged chunk by chunk and served without joining
//! them, so that after one event of a 10,000-event feed changes, building the feed again costs
//! one chunk, not 4.9 MB.
//!
//! A document is a sequence of pieces (a feed's head, one per event, its tail), each named by a
//! key that differs whenever its text does; a piece's text is asked for only when its chunk is
//! not kept from an earlier build. Pieces are grouped into chunks at content-defined boundaries
//! (after a piece whose key's low bits are zero), so inserting or removing a piece changes only
//! the chunk around it. Each chunk is compressed on its own into raw deflate ending in a full
//! flush (byte-aligned, no reference to earlier bytes), which is what lets compressed chunks be
//! concatenated into one valid deflate stream; the gzip member around them takes the CRC-32 of
//! the whole body. Chunks are kept by key in [`Chunks`] for the next build; a chunk's key hashes
//! its pieces' keys. The identity body is the chunks' texts in order ([`Parts`]): a rebuild
//! shares the unchanged ones with the previous build instead of copying 4.9 MB into a new body.

use std::{
    hash::{DefaultHasher, Hash, Hasher},
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll},
};

use bytes::Bytes;
use sha2::{Digest, Sha256};

use super::lru::Lru;

/// The key of a piece that is its own text (a page, a feed's head and tail).
pub fn text_key(text: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

/// A body as shared runs of bytes, served one after another without joining them.
#[derive(Debug, Clone, Default)]
pub struct Parts {
    parts: Arc<[Bytes]>,
    len: usize,
}

impl Parts {
    fn new(parts: Vec<Bytes>) -> Self {
        let parts: Vec<Bytes> = parts.into_iter().filter(|p| !p.is_empty()).collect();
        Self { len: parts.iter().map(Bytes::len).sum(), parts: parts.into() }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// All the bytes in one buffer (tests and small documents).
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len);
        for part in self.parts.iter() {
            out.extend_from_slice(part);
        }
        out
    }

    /// A response body of these bytes, with their exact length (so `Content-Length`, not chunked
    /// transfer encoding).
    pub fn body(&self) -> poem::Body {
        match &self.parts[..] {
            [] => poem::Body::empty(),
            [one] => poem::Body::from_bytes(one.clone()),
            _ => {
                let body = PartsBody { parts: self.parts.clone(), next: 0, remaining: self.len as u64 };
                poem::Body::from(http_body_util::BodyExt::boxed(body))
            }
        }
    }
}

/// [`Parts`] as an HTTP body: one data frame per part.
struct PartsBody {
    parts: Arc<[Bytes]>,
    next: usize,
    remaining: u64,
}

impl http_body::Body for PartsBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
        let this = self.get_mut();
        let Some(part) = this.parts.get(this.next) else { return Poll::Ready(None) };
        this.next += 1;
        this.remaining -= part.len() as u64;
        Poll::Ready(Some(Ok(http_body::Frame::data(part.clone()))))
    }

    fn is_end_stream(&self) -> bool {
        self.next >= self.parts.len()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.remaining)
    }
}

/// One chunk: its text, that text as raw deflate ending in a full flush, and a digest of the text
/// for the document's ETag.
#[derive(Debug)]
struct Chunk {
    text: Bytes,
    deflate: Bytes,
    digest: [u8; 16],
}

impl Chunk {
    fn compress(text: String, compressor: &mut flate2::Compress) -> Self {
        compressor.reset();
        let mut deflate = Vec::with_capacity(text.len() / 3 + 64);
        let mut input = text.as_bytes();
        loop {
            deflate.reserve(input.len() / 2 + 64);
            let before = compressor.total_in();
            compressor
                .compress_vec(input, &mut deflate, flate2::FlushCompress::Full)
                .expect("deflate into a growable buffer cannot fail");
            input = &input[usize::try_from(compressor.total_in() - before).unwrap_or(input.len())..];
            // Done when all input is taken and the flush had room to finish.
            if input.is_empty() && deflate.len() < deflate.capacity() {
                break;
            }
        }
        let mut digest = [0; 16];
        digest.copy_from_slice(&Sha256::digest(text.as_bytes())[..16]);
        Self { text: text.into(), deflate: deflate.into(), digest }
    }

    fn size(&self) -> usize {
        self.text.len() + self.deflate.len()
    }
}

/// Chunks by key, reused across builds; bounded in bytes (past the bound the least recently
/// used go first: chunks of documents nobody asks for any more). Their texts are shared with the
/// cached documents built from them, so the bound counts memory mostly held anyway.
#[derive(Debug)]
pub struct Chunks {
    map: Mutex<Lru<u64, Arc<Chunk>>>,
    compressed: std::sync::atomic::AtomicU64,
}

impl Default for Chunks {
    fn default() -> Self {
        Self { map: Mutex::new(Lru::new(usize::MAX, MAX_CHUNKS_BYTES)), compressed: Default::default() }
    }
}

/// A boundary after a piece whose key has these bits all zero: chunks of 32 pieces on average
/// (about 16 KB of VEVENTs, within deflate's 32 KB window, so little compression is lost).
const BOUNDARY_MASK: u64 = 31;
/// A chunk ends after this many pieces whatever the keys say, so one long run cannot make one
/// huge chunk.
const MAX_CHUNK_PIECES: usize = 128;
/// Bytes of chunks (text and deflate) kept for reuse: the large feeds in both languages.
const MAX_CHUNKS_BYTES: usize = 32 * 1024 * 1024;

/// A document's encodings, as the response cache keeps them.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub body: Parts,
    pub gzip: Parts,
    pub etag: String,
}

impl From<String> for Encoded {
    /// A document of one text (a page, one event's file): compressed at once, nothing kept.
    fn from(text: String) -> Self {
        let text: Arc<str> = text.into();
        Chunks::default().encode(&[text_key(&text)], |_| Some(text.clone())).expect("the text is at hand")
    }
}

impl Chunks {
    /// How many chunks were compressed (not reused) since the start.
    pub fn compressed(&self) -> u64 {
        self.compressed.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Bytes held for reuse.
    pub fn bytes(&self) -> usize {
        self.map.lock().expect("chunks lock").weight()
    }

    /// The document of the pieces `keys` names: its body, gzip form and a strong ETag (a digest
    /// of the body's bytes, by chunk). `text(i)` gives piece `i`'s text and is asked only for the
    /// pieces of chunks not kept; `None` when it cannot give one.
    pub fn encode(&self, keys: &[u64], text: impl Fn(usize) -> Option<Arc<str>>) -> Option<Encoded> {
        use std::sync::atomic::Ordering::Relaxed;
        let groups = chunk_boundaries(keys);
        // A document of one chunk (a page) is compressed at once and not kept: nothing to reuse.
        let reuse = groups.len() > 1;
        let mut chunks: Vec<Option<Arc<Chunk>>> = if reuse {
            let mut map = self.map.lock().expect("chunks lock");
            groups.iter().map(|(key, _)| map.get(key).cloned()).collect()
        } else {
            vec![None]
        };
        // Compressed outside the lock: other documents' builds may need the map meanwhile.
        let mut fresh = Vec::new();
        let mut compressor = None;
        for ((key, range), chunk) in groups.iter().zip(&mut chunks) {
            if chunk.is_none() {
                let mut joined = String::new();
                for i in range.clone() {
                    joined.push_str(&text(i)?);
                }
                let compressor = compressor
                    .get_or_insert_with(|| flate2::Compress::new(flate2::Compression::default(), false));
                let made = Arc::new(Chunk::compress(joined, compressor));
                fresh.push((*key, made.clone()));
                *chunk = Some(made);
            }
        }
        self.compressed.fetch_add(fresh.len() as u64, Relaxed);
        if reuse && !fresh.is_empty() {
            let mut map = self.map.lock().expect("chunks lock");
            for (key, chunk) in fresh {
                let size = chunk.size();
                map.insert(key, chunk, size);
            }
        }

        let chunks: Vec<Arc<Chunk>> = chunks.into_iter().map(|c| c.expect("every chunk is made")).collect();
        let mut etag = Sha256::new();
        let mut crc = crc32fast::Hasher::new();
        let mut len = 0usize;
        for chunk in &chunks {
            etag.update(chunk.digest);
            // Of the whole body: SIMD CRC-32 takes well under a millisecond for 4.9 MB, where
            // combining 300 chunks' CRCs (a 32×32 matrix power each) took several.
            crc.update(&chunk.text);
            len += chunk.text.len();
        }
        // A gzip member: magic, deflate, no flags, no time, no extra flags, unknown OS; then the
        // chunks; then the final block (empty, fixed Huffman codes), the CRC and the length.
        let mut gzip = Vec::with_capacity(chunks.len() + 2);
        gzip.push(Bytes::from_static(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]));
        gzip.extend(chunks.iter().map(|c| c.deflate.clone()));
        let mut trailer = vec![0x03, 0x00];
        trailer.extend_from_slice(&crc.finalize().to_le_bytes());
        trailer.extend_from_slice(&(len as u32).to_le_bytes());
        gzip.push(trailer.into());
        Some(Encoded {
            body: Parts::new(chunks.iter().map(|c| c.text.clone()).collect()),
            gzip: Parts::new(gzip),
            etag: hex::encode(&etag.finalize()[..16]),
        })
    }
}

/// The pieces' chunks: each chunk's key (a hash of its pieces' keys) and its range of pieces.
fn chunk_boundaries(keys: &[u64]) -> Vec<(u64, std::ops::Range<usize>)> {
    let mut groups = Vec::new();
    let (mut start, mut hasher) = (0, DefaultHasher::new());
    for (i, key) in keys.iter().enumerate() {
        key.hash(&mut hasher);
        if key & BOUNDARY_MASK == 0 || i + 1 - start >= MAX_CHUNK_PIECES || i + 1 == keys.len() {
            groups.push((hasher.finish(), start..i + 1));
            (start, hasher) = (i + 1, DefaultHasher::new());
        }
    }
    if groups.is_empty() {
        groups.push((DefaultHasher::new().finish(), 0..0));
    }
    groups
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn gunzip(gzip: &Parts) -> String {
        // One member: a decoder that stops after the first would see everything.
        let mut text = String::new();
        flate2::read::GzDecoder::new(&gzip.to_vec()[..]).read_to_string(&mut text).unwrap();
        text
    }

    /// A feed's pieces: head, one per event, tail.
    fn feed(events: impl Iterator<Item = u64>) -> Vec<Arc<str>> {
        let mut pieces: Vec<Arc<str>> = vec!["BEGIN:VCALENDAR\r\n".into()];
        for n in events {
            pieces.push(
                format!("BEGIN:VEVENT\r\nUID:debut-event-{n}@x\r\nSUMMARY:Launch {n}\r\nEND:VEVENT\r\n")
                    .into(),
            );
        }
        pieces.push("END:VCALENDAR\r\n".into());
        pieces
    }

    fn encode(chunks: &Chunks, pieces: &[Arc<str>]) -> Encoded {
        let keys: Vec<u64> = pieces.iter().map(|t| text_key(t)).collect();
        chunks.encode(&keys, |i| Some(pieces[i].clone())).unwrap()
    }

    fn concat(pieces: &[Arc<str>]) -> String {
        pieces.iter().map(|t| &**t).collect()
    }

    #[test]
    fn the_gzip_of_chunks_is_one_valid_member_of_the_whole_text() {
        let chunks = Chunks::default();
        for pieces in [feed(0..3000), feed(0..1), feed(0..0), vec!["".into()], vec![]] {
            let encoded = encode(&chunks, &pieces);
            assert_eq!(encoded.body.to_vec(), concat(&pieces).into_bytes());
            assert_eq!(encoded.body.len(), concat(&pieces).len());
            assert_eq!(gunzip(&encoded.gzip), concat(&pieces));
        }
        let big = encode(&chunks, &feed(0..3000));
        assert!(
            big.gzip.len() * 5 < big.body.len(),
            "{} of {} bytes: compressed well",
            big.gzip.len(),
            big.body.len()
        );
        let page = Encoded::from("<p>一页</p>".to_owned());
        assert_eq!(page.body.to_vec(), "<p>一页</p>".as_bytes());
        assert_eq!(gunzip(&page.gzip), "<p>一页</p>");
    }

    #[test]
    fn after_one_change_only_its_chunk_is_compressed_again_and_the_etag_follows_the_bytes() {
        let chunks = Chunks::default();
        let before = encode(&chunks, &feed(0..3000));
        let made = chunks.compressed();
        assert!(made > 40, "{made} chunks for 3,000 events");
        assert_eq!(encode(&chunks, &feed(0..3000)).etag, before.etag, "same bytes, same tag");
        assert_eq!(chunks.compressed(), made, "nothing compressed again");

        let changed = feed((0..3000).map(|n| if n == 1234 { 99_999 } else { n }));
        let after = encode(&chunks, &changed);
        assert!(chunks.compressed() - made <= 2, "{} chunks again", chunks.compressed() - made);
        assert_ne!(after.etag, before.etag);
        assert_eq!(gunzip(&after.gzip), concat(&changed));
        assert_eq!(after.body.to_vec(), concat(&changed).into_bytes());

        let dropped = feed((0..3000).filter(|n| *n != 17));
        let made = chunks.compressed();
        assert_eq!(gunzip(&encode(&chunks, &dropped).gzip), concat(&dropped));
        assert!(chunks.compressed() - made <= 2, "removing an event changes its chunk only");
    }

    #[test]
    fn only_the_pieces_of_chunks_not_kept_are_asked_for() {
        let chunks = Chunks::default();
        let pieces = feed(0..3000);
        let keys: Vec<u64> = pieces.iter().map(|t| text_key(t)).collect();
        encode(&chunks, &pieces);
        let asked = std::cell::Cell::new(0);
        let again = chunks.encode(&keys, |i| {
            asked.set(asked.get() + 1);
            Some(pieces[i].clone())
        });
        assert_eq!(again.unwrap().body.to_vec(), concat(&pieces).into_bytes());
        assert_eq!(asked.get(), 0, "every chunk was kept");
        let mut changed = pieces.clone();
        changed[1500] = "BEGIN:VEVENT\r\nSUMMARY:Moved\r\nEND:VEVENT\r\n".into();
        let keys: Vec<u64> = changed.iter().map(|t| text_key(t)).collect();
        let after = chunks.encode(&keys, |i| {
            asked.set(asked.get() + 1);
            Some(changed[i].clone())
        });
        assert_eq!(after.unwrap().body.to_vec(), concat(&changed).into_bytes());
        assert!((1..=2 * MAX_CHUNK_PIECES).contains(&asked.get()), "{} pieces asked for", asked.get());
        changed[1500] = "BEGIN:VEVENT\r\nSUMMARY:Moved again\r\nEND:VEVENT\r\n".into();
        let keys: Vec<u64> = changed.iter().map(|t| text_key(t)).collect();
        let missing = chunks.encode(&keys, |i| (i != 1500).then(|| changed[i].clone()));
        assert!(missing.is_none(), "a text it cannot give");
    }
}
