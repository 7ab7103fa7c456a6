//! DynamoDB JSON lines in gzip: one `{"Item": {..}}` per line going out, and any line
//! shape coming back, decompressed as the bytes arrive so a file of any size is read in
//! the memory of its longest line.

use std::io::Write as _;

use flate2::write::MultiGzDecoder;
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::item::Item;

/// Appends `{"Item": item}` and a newline, as a full export and an import write items.
pub(crate) fn write_item(out: &mut Vec<u8>, item: Item) -> Result<(), Error> {
    #[derive(Serialize)]
    struct Line {
        #[serde(rename = "Item")]
        item: serde_dynamo::Item,
    }
    let line = Line { item: item.into() };
    serde_json::to_writer(&mut *out, &line)
        .map_err(|e| Error::Encode(Box::new(crate::EncodeError::new("an import line", e))))?;
    out.push(b'\n');
    Ok(())
}

/// One line of a DynamoDB JSON export: a full export's `Item`, or an incremental export's
/// `Keys`, `NewImage`, `OldImage` and `Metadata`.
#[derive(Deserialize)]
pub(crate) struct Line {
    #[serde(rename = "Item")]
    pub(crate) item: Option<serde_dynamo::Item>,
    #[serde(rename = "Keys")]
    pub(crate) keys: Option<serde_dynamo::Item>,
    #[serde(rename = "NewImage")]
    pub(crate) new_image: Option<serde_dynamo::Item>,
    #[serde(rename = "OldImage")]
    pub(crate) old_image: Option<serde_dynamo::Item>,
    #[serde(rename = "Metadata")]
    pub(crate) metadata: Option<Metadata>,
}

/// An incremental export line's metadata.
#[derive(Deserialize)]
pub(crate) struct Metadata {
    /// When the change was written: `{"N": "…"}` in AWS's files (a bare number accepted).
    #[serde(rename = "WriteTimestampMicros")]
    pub(crate) write_timestamp_micros: Option<Number>,
}

/// A number as DynamoDB JSON (`{"N": "12"}`) or plain JSON (`12`).
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum Number {
    Wrapped {
        #[serde(rename = "N")]
        n: String,
    },
    Plain(u64),
}

impl Number {
    pub(crate) fn value(&self) -> Option<u64> {
        match self {
            Self::Wrapped { n } => n.parse().ok(),
            Self::Plain(n) => Some(*n),
        }
    }
}

/// Parses one line; the error names the file and line, never the content.
pub(crate) fn parse(line: &[u8], file: &str, number: u64) -> Result<Line, Error> {
    serde_json::from_slice(line).map_err(|e| Error::ExportFile {
        file: file.to_owned(),
        reason: format!(
            "line {number} is not a DynamoDB JSON line (column {})",
            e.column()
        ),
    })
}

/// How many compressed bytes are decoded at once: what one feed decompresses stays small
/// whatever the size of the chunk the store handed over.
const SLICE: usize = 16 * 1024;

/// Splits a gzip stream (of one or more members, as `gzip` concatenates them) into lines as
/// its compressed bytes arrive.
pub(crate) struct GzLines {
    decoder: MultiGzDecoder<Vec<u8>>,
    /// Where the next line starts in the decoder's output.
    start: usize,
    /// How far the unfinished line has been searched for a newline.
    scanned: usize,
}

impl GzLines {
    pub(crate) fn new() -> Self {
        Self {
            decoder: MultiGzDecoder::new(Vec::new()),
            start: 0,
            scanned: 0,
        }
    }

    /// Feeds compressed bytes; the complete lines now decoded go to `line`.
    pub(crate) fn feed(
        &mut self,
        bytes: &[u8],
        line: &mut dyn FnMut(&[u8]),
    ) -> Result<(), std::io::Error> {
        for slice in bytes.chunks(SLICE) {
            self.decoder.write_all(slice)?;
            self.drain(line);
        }
        Ok(())
    }

    /// Ends the stream: the last line, if it had no newline.
    pub(crate) fn finish(mut self, line: &mut dyn FnMut(&[u8])) -> Result<(), std::io::Error> {
        self.decoder.try_finish()?;
        self.drain(line);
        let rest = &self.decoder.get_ref()[self.start..];
        if !rest.iter().all(u8::is_ascii_whitespace) {
            line(rest);
        }
        Ok(())
    }

    fn drain(&mut self, line: &mut dyn FnMut(&[u8])) {
        let out = self.decoder.get_mut();
        let mut from = self.start + self.scanned;
        while let Some(end) = out[from..].iter().position(|b| *b == b'\n') {
            let text = &out[self.start..from + end];
            if !text.iter().all(u8::is_ascii_whitespace) {
                line(text);
            }
            self.start = from + end + 1;
            from = self.start;
        }
        // Keep only the unfinished line (searched once): memory stays one line long.
        out.drain(..self.start);
        self.scanned = out.len();
        self.start = 0;
    }
}
