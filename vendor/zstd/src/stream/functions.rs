use std::cell::RefCell;
use std::io;

use super::{Decoder, Encoder};

// cairn's change to this file: one compression and one decompression context per thread, reused
// by the helpers below. Creating a context allocates and zeroes its tables (about a megabyte at the
// default level); callers that compress many small blobs spent a fifth of their time doing so.
thread_local! {
    static COMPRESSION: RefCell<Option<zstd_safe::CCtx<'static>>> = const { RefCell::new(None) };
    static DECOMPRESSION: RefCell<Option<zstd_safe::DCtx<'static>>> = const { RefCell::new(None) };
}

/// Decompress from the given source as if using a `Decoder`.
///
/// The input data must be in the zstd frame format.
pub fn decode_all<R: io::Read>(source: R) -> io::Result<Vec<u8>> {
    let mut result = Vec::new();
    copy_decode(source, &mut result)?;
    Ok(result)
}

/// Decompress from the given source as if using a `Decoder`.
///
/// Decompressed data will be appended to `destination`.
pub fn copy_decode<R, W>(source: R, mut destination: W) -> io::Result<()>
where
    R: io::Read,
    W: io::Write,
{
    DECOMPRESSION.with(|slot| match slot.try_borrow_mut() {
        Ok(mut slot) => {
            let context = match slot.as_mut() {
                Some(context) => context,
                None => slot.insert(zstd_safe::DCtx::create()),
            };
            let reader = io::BufReader::with_capacity(
                zstd_safe::DCtx::in_size(),
                source,
            );
            // with_context resets the session, so a frame a previous call
            // left unfinished cannot leak into this one.
            let mut decoder = Decoder::with_context(reader, context);
            io::copy(&mut decoder, &mut destination).map(drop)
        }
        // Called from inside a reader or writer of another call on this
        // thread: use a context of its own.
        Err(_) => {
            let mut decoder = Decoder::new(source)?;
            io::copy(&mut decoder, &mut destination).map(drop)
        }
    })
}

/// Compress all data from the given source as if using an `Encoder`.
///
/// Result will be in the zstd frame format.
///
/// A level of `0` uses zstd's default (currently `3`).
pub fn encode_all<R: io::Read>(source: R, level: i32) -> io::Result<Vec<u8>> {
    let mut result = Vec::<u8>::new();
    copy_encode(source, &mut result, level)?;
    Ok(result)
}

/// Compress all data from the given source as if using an `Encoder`.
///
/// Compressed data will be appended to `destination`.
///
/// A level of `0` uses zstd's default (currently `3`).
pub fn copy_encode<R, W>(
    mut source: R,
    destination: W,
    level: i32,
) -> io::Result<()>
where
    R: io::Read,
    W: io::Write,
{
    COMPRESSION.with(|slot| match slot.try_borrow_mut() {
        Ok(mut slot) => {
            let context = match slot.as_mut() {
                Some(context) => context,
                None => slot.insert(zstd_safe::CCtx::create()),
            };
            context
                .set_parameter(zstd_safe::CParameter::CompressionLevel(level))
                .map_err(crate::map_error_code)?;
            // with_context resets the session (and any pledged size) first.
            let mut encoder = Encoder::with_context(destination, context);
            io::copy(&mut source, &mut encoder)?;
            encoder.finish().map(drop)
        }
        Err(_) => {
            let mut encoder = Encoder::new(destination, level)?;
            io::copy(&mut source, &mut encoder)?;
            encoder.finish().map(drop)
        }
    })
}

// Tested by cairn: crates/cairn-engine/tests/vendored_fixes.rs.
