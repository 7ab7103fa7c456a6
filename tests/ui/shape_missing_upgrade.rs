// Every earlier shape needs an upgrade step to the next: here `NoteV2` has none to `Note`
// (and `NoteV1`'s step to `NoteV2` is there), so the error points at `NoteV2`.
use serde::{Deserialize, Serialize};

#[derive(dynamorm::Table)]
#[dynamo(name = "app")]
struct App;

#[derive(Deserialize)]
struct NoteV1 {
    id: u32,
    text: String,
}

#[derive(Deserialize)]
struct NoteV2 {
    id: u32,
    body: String,
}

impl From<NoteV1> for NoteV2 {
    fn from(v1: NoteV1) -> Self {
        NoteV2 { id: v1.id, body: v1.text }
    }
}

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "NOTE#{id}", sk = "NOTE", shape = 3, shapes(1 = NoteV1, 2 = NoteV2))]
struct Note {
    id: u32,
    title: String,
    body: String,
}

fn main() {}
