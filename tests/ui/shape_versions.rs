// The shape declarations a compiler can refuse: two structs for one version, a version
// that is not earlier than the current one, a version with no struct between the oldest
// and the current, earlier shapes without a current one, and version 0.
use serde::{Deserialize, Serialize};

#[derive(dynamorm::Table)]
#[dynamo(name = "app")]
struct App;

#[derive(Deserialize)]
struct OldA {
    id: u32,
}

#[derive(Deserialize)]
struct OldB {
    id: u32,
}

impl From<OldA> for OldB {
    fn from(a: OldA) -> Self {
        OldB { id: a.id }
    }
}

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "A#{id}", sk = "A", shape = 2, shapes(1 = OldA, 1 = OldB))]
struct TwoForOne {
    id: u32,
}

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "B#{id}", sk = "B", shape = 2, shapes(2 = OldA))]
struct NotEarlier {
    id: u32,
}

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "C#{id}", sk = "C", shape = 4, shapes(1 = OldA, 3 = OldB))]
struct Gap {
    id: u32,
}

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "D#{id}", sk = "D", shapes(1 = OldA))]
struct NoCurrent {
    id: u32,
}

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "E#{id}", sk = "E", shape = 0)]
struct Zero {
    id: u32,
}

fn main() {}
