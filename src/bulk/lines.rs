//! DynamoDB JSON lines in gzip: one `{"Item": {..}}` per line going out, and any line
//! shape coming back, decompressed as the bytes arrive so a file of any size is read in
//! the memory of its longest line.

use std::io::Write as _;

use flate2::write::GzDecoder;
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

/// Splits a gzip stream into lines as its compressed bytes arrive.
pub(crate) struct GzLines {
    decoder: GzDecoder<Vec<u8>>,
    /// Where the next line starts in the decoder's output.
    start: usize,
}

impl GzLines {
    pub(crate) fn new() -> Self {
        Self {
            decoder: GzDecoder::new(Vec::new()),
            start: 0,
        }
    }

    /// Feeds compressed bytes; the complete lines now decoded go to `line`.
    pub(crate) fn feed(
        &mut self,
        bytes: &[u8],
        line: &mut dyn FnMut(&[u8]) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.decoder.write_all(bytes).map_err(gzip)?;
        self.drain(line)
    }

    /// Ends the stream: the last line, if it had no newline.
    pub(crate) fn finish(
        mut self,
        line: &mut dyn FnMut(&[u8]) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.decoder.try_finish().map_err(gzip)?;
        self.drain(line)?;
        let rest = &self.decoder.get_ref()[self.start..];
        if !rest.iter().all(u8::is_ascii_whitespace) {
            line(rest)?;
        }
        Ok(())
    }

    fn drain(&mut self, line: &mut dyn FnMut(&[u8]) -> Result<(), Error>) -> Result<(), Error> {
        let out = self.decoder.get_mut();
        while let Some(end) = out[self.start..].iter().position(|b| *b == b'\n') {
            let text = &out[self.start..self.start + end];
            if !text.iter().all(u8::is_ascii_whitespace) {
                line(text)?;
            }
            self.start += end + 1;
        }
        // Keep only the unfinished line: memory stays one line long.
        out.drain(..self.start);
        self.start = 0;
        Ok(())
    }
}

fn gzip(source: std::io::Error) -> Error {
    Error::Io {
        what: "a gzip export file",
        source,
    }
}
