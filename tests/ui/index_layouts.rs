// Several layouts of one index: each but the last needs `when`; `when` takes a flag,
// `!flag` or `matches!(field, Pattern)` on a field of the right type; layouts are for
// template indexes of entities, not for tables or multi-attribute indexes.
use serde::{Deserialize, Serialize};

#[derive(dynamorm::Table)]
#[dynamo(
    name = "app",
    index(GSI1, pk = "GSI1PK", sk = "GSI1SK"),
    index(ByTeam, pk = [team: S])
)]
struct App;

#[derive(Serialize, Deserialize)]
enum Kind {
    Original,
    Fork,
}

// A layout without `when` before another: the later one could never be used.
#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "A#{id}", sk = "A")]
#[dynamo(index(GSI1, pk = "ALL", sk = "A#{id}"))]
#[dynamo(index(GSI1, pk = "FORKS", sk = "A#{id}", when = matches!(kind, Kind::Fork)))]
struct Unreachable {
    id: String,
    kind: Kind,
}

// A pattern of another type than the field's.
#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "B#{id}", sk = "B")]
#[dynamo(index(GSI1, pk = "ALL", sk = "B#{id}", when = matches!(kind, Some(_))))]
struct WrongPattern {
    id: String,
    kind: Kind,
}

// `!flag` on a field that is not a `bool`.
#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "C#{id}", sk = "C")]
#[dynamo(index(GSI1, pk = "ALL", sk = "C#{id}", when = !kind))]
struct NotBool {
    id: String,
    kind: Kind,
}

// A macro other than `matches!`.
#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "D#{id}", sk = "D")]
#[dynamo(index(GSI1, pk = "ALL", sk = "D#{id}", when = assert!(kind)))]
struct OtherMacro {
    id: String,
    kind: Kind,
}

// Two lists for one multi-attribute index.
#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "E#{id}", sk = "E")]
#[dynamo(index(ByTeam, pk = [team]))]
#[dynamo(index(ByTeam, pk = [team]))]
struct TwoLists {
    id: String,
    team: String,
}

// `when` on the table.
#[derive(dynamorm::Table)]
#[dynamo(name = "t", index(GSI1, pk = "GSI1PK", sk = "GSI1SK", when = open))]
struct WhenOnTable;

fn main() {}
