//! Reader and writer for the IDX format MNIST ships in: a big-endian header (magic, dims) followed
//! by raw unsigned bytes. Gzipped files are recognised by their magic and inflated transparently.

use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

use flate2::read::GzDecoder;

use crate::error::{Result, VaeError};

/// Element type code for unsigned bytes, the only type MNIST uses.
const DTYPE_U8: u8 = 0x08;
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
/// MNIST uses 1 (labels) and 3 (images); more than this means a corrupt or foreign header.
const MAX_DIMS: usize = 4;

/// An n-dimensional array of bytes, row-major, as stored in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxArray {
    pub dims: Vec<usize>,
    pub data: Vec<u8>,
}

/// Parses an IDX file held in memory (plain or gzipped). `name` only labels the errors.
pub fn parse_idx(bytes: &[u8], name: &Path) -> Result<IdxArray> {
    parse_raw(decompress(bytes, name)?, name)
}

/// As `parse_idx`, taking the bytes: a plain file's buffer becomes the data (no second copy of
/// 47 MB, which matters in wasm, whose memory never shrinks).
pub fn parse_idx_owned(bytes: Vec<u8>, name: &Path) -> Result<IdxArray> {
    if bytes.starts_with(&GZIP_MAGIC) {
        return parse_idx(&bytes, name);
    }
    parse_raw(Cow::Owned(bytes), name)
}

fn parse_raw(raw: Cow<'_, [u8]>, name: &Path) -> Result<IdxArray> {
    let bad = |reason: String| VaeError::data(name, reason);

    let Some(&[z0, z1, dtype, ndims]) = raw.first_chunk::<4>() else {
        return Err(bad(format!("truncated: expected a 4-byte IDX header, found {} bytes", raw.len())));
    };
    if z0 != 0 || z1 != 0 {
        return Err(bad(format!(
            "not an IDX file: expected magic 00 00 08 <ndims>, found {z0:02x} {z1:02x} {dtype:02x} {ndims:02x}"
        )));
    }
    if dtype != DTYPE_U8 {
        return Err(bad(format!(
            "unsupported IDX element type 0x{dtype:02x} ({}); only 0x08 (unsigned byte) is supported",
            dtype_name(dtype)
        )));
    }
    let ndims = usize::from(ndims);
    if ndims == 0 || ndims > MAX_DIMS {
        return Err(bad(format!("IDX header declares {ndims} dimensions; expected 1 to {MAX_DIMS}")));
    }

    let header_len = 4 + 4 * ndims;
    let Some(dim_bytes) = raw.get(4..header_len) else {
        return Err(bad(format!(
            "truncated: expected a {header_len}-byte header for {ndims} dimensions, found {} bytes",
            raw.len()
        )));
    };
    let dims: Vec<usize> =
        dim_bytes.chunks_exact(4).map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize).collect();
    let shape = shape_string(&dims);
    let expected = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| bad(format!("dims {shape} are too large to address")))?;

    let actual = raw.len() - header_len;
    if actual < expected {
        return Err(bad(format!("truncated: expected {expected} data bytes for dims {shape}, found {actual}")));
    }
    if actual > expected {
        return Err(bad(format!(
            "wrong size: expected {expected} data bytes for dims {shape}, found {actual} ({} trailing bytes)",
            actual - expected
        )));
    }

    let data = match raw {
        // Owned (inflated, or handed over): reuse the buffer instead of copying 47 MB again.
        Cow::Owned(mut v) => {
            v.drain(..header_len);
            v
        }
        Cow::Borrowed(b) => b[header_len..].to_vec(),
    };
    Ok(IdxArray { dims, data })
}

/// Reads and parses an IDX file (plain or gzipped) from disk.
pub fn read_idx_file(path: &Path) -> Result<IdxArray> {
    let bytes = std::fs::read(path).map_err(|e| VaeError::io(path, e))?;
    parse_idx(&bytes, path)
}

/// The file's bytes after inflating gzip if the gzip magic is present; borrowed otherwise.
pub fn decompress<'a>(bytes: &'a [u8], name: &Path) -> Result<Cow<'a, [u8]>> {
    if !bytes.starts_with(&GZIP_MAGIC) {
        return Ok(Cow::Borrowed(bytes));
    }
    let mut out = Vec::new();
    GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|e| VaeError::data(name, format!("corrupted gzip stream: {e}")))?;
    Ok(Cow::Owned(out))
}

/// Serialises an unsigned-byte array as IDX (uncompressed).
///
/// # Panics
/// If `data.len()` is not the product of `dims`, or a dim does not fit the format's u32/u8 fields:
/// the caller builds both from its own data, so a mismatch is a bug, not input to report.
pub fn encode_idx(dims: &[usize], data: &[u8]) -> Vec<u8> {
    assert_eq!(dims.iter().product::<usize>(), data.len(), "IDX dims {dims:?} do not match data length");
    let ndims = u8::try_from(dims.len()).expect("IDX allows at most 255 dimensions");
    let mut out = Vec::with_capacity(4 + 4 * dims.len() + data.len());
    out.extend_from_slice(&[0, 0, DTYPE_U8, ndims]);
    for &d in dims {
        let d = u32::try_from(d).expect("IDX dimensions are u32");
        out.extend_from_slice(&d.to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}

fn dtype_name(code: u8) -> &'static str {
    match code {
        0x09 => "signed byte",
        0x0b => "i16",
        0x0c => "i32",
        0x0d => "f32",
        0x0e => "f64",
        _ => "unknown type",
    }
}

fn shape_string(dims: &[usize]) -> String {
    dims.iter().map(usize::to_string).collect::<Vec<_>>().join("x")
}
