//! Shape-version workloads: decoding an item of an entity's current shape (the shape check
//! is one attribute lookup) and one stored in an earlier shape (decoded as that shape's
//! struct and upgraded), each against the same work written by hand with `serde_dynamo`.

use std::hint::black_box;

use dynamorm::{Entity, Item};
use serde::{Deserialize, Serialize};

#[derive(dynamorm::Table)]
#[dynamo(name = "bench-shapes")]
pub(crate) struct Notes;

/// Shape 1: one text field and the age as a string.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct NoteV1 {
    id: String,
    owner: String,
    text: String,
    age: String,
    tags: Vec<String>,
}

/// Shape 2, current: the text split in title and body, the age a number.
#[derive(Debug, Clone, Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Notes, pk = "NOTE#{id}", sk = "NOTE", shape = 2, shapes(1 = NoteV1))]
pub(crate) struct Note {
    id: String,
    owner: String,
    title: String,
    body: String,
    age: u32,
    tags: Vec<String>,
}

/// The same fields as `Note`, without shapes: what decoding cost before shapes existed.
#[derive(Debug, Clone, Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Notes, pk = "PLAIN#{id}", sk = "PLAIN")]
pub(crate) struct PlainNote {
    id: String,
    owner: String,
    title: String,
    body: String,
    age: u32,
    tags: Vec<String>,
}

impl TryFrom<NoteV1> for Note {
    type Error = std::num::ParseIntError;
    fn try_from(v1: NoteV1) -> Result<Self, Self::Error> {
        let (title, body) = v1.text.split_once('\n').unwrap_or((&v1.text, ""));
        Ok(Note {
            title: title.to_owned(),
            body: body.to_owned(),
            age: v1.age.parse()?,
            id: v1.id,
            owner: v1.owner,
            tags: v1.tags,
        })
    }
}

/// The inputs, built once: an item in each shape.
pub(crate) struct Shapes {
    pub(crate) current: Item,
    pub(crate) plain: Item,
    pub(crate) earlier: Item,
}

impl Shapes {
    pub(crate) fn new() -> Self {
        let tags = vec!["work".to_owned(), "q3".to_owned(), "launch".to_owned()];
        let v1 = NoteV1 {
            id: "n-4711".into(),
            owner: "ann.lee".into(),
            text: "Launch checklist\nReview it with the team before Friday".into(),
            age: "42".into(),
            tags,
        };
        let note = Note::try_from(v1.clone()).expect("upgrades");
        let current = dynamorm::to_item(&note).expect("encodes");
        let plain = dynamorm::to_item(&PlainNote {
            id: note.id.clone(),
            owner: note.owner.clone(),
            title: note.title.clone(),
            body: note.body.clone(),
            age: note.age,
            tags: note.tags.clone(),
        })
        .expect("encodes");
        // What the first release stored: its fields, the keys and the discriminator.
        let mut earlier: Item = serde_dynamo::to_item(&v1).expect("encodes");
        for k in ["PK", "SK", "_type"] {
            earlier.insert(k.to_owned(), current[k].clone());
        }
        assert_eq!(
            dynamorm::from_item::<Note>(earlier.clone())
                .expect("upgrades")
                .title,
            note.title
        );
        Self {
            current,
            plain,
            earlier,
        }
    }

    /// Decoding consumes the item: callers clone it outside the timed part.
    pub(crate) fn decode_by_hand(item: Item) -> Note {
        serde_dynamo::from_item(black_box(item)).expect("decodes")
    }

    pub(crate) fn decode(item: Item) -> Note {
        dynamorm::from_item::<Note>(black_box(item)).expect("decodes")
    }

    pub(crate) fn decode_plain(item: Item) -> PlainNote {
        dynamorm::from_item::<PlainNote>(black_box(item)).expect("decodes")
    }

    /// By hand: decode the first shape's struct, then the upgrade step.
    pub(crate) fn upgrade_by_hand(item: Item) -> Note {
        let v1: NoteV1 = serde_dynamo::from_item(black_box(item)).expect("decodes");
        Note::try_from(v1).expect("upgrades")
    }

    pub(crate) fn upgrade(item: Item) -> Note {
        let note = dynamorm::from_item::<Note>(black_box(item)).expect("upgrades");
        debug_assert_eq!(Note::SCHEMA.shape(), 2);
        note
    }
}
