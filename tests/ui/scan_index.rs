// A scan takes only an index of its own table: another table's handle does not compile.
use serde::{Deserialize, Serialize};

#[derive(dynamorm::Table)]
#[dynamo(name = "app", index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))]
pub struct App;

#[derive(dynamorm::Table)]
#[dynamo(name = "other", index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))]
pub struct Other;

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "USER#{id}", sk = "USER")]
pub struct User {
    id: String,
}

fn scans(db: dynamorm::Db<App>) {
    let _own = db.scan::<User>().index(App::GSI1);
    let _foreign = db.scan::<User>().index(Other::GSI1);
}

fn main() {
    let _ = scans;
}
