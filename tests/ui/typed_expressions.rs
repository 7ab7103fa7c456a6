use serde::{Deserialize, Serialize};

#[derive(dynamorm::Table)]
#[dynamo(name = "app")]
struct App;

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "USER#{id}", sk = "PROFILE")]
struct User {
    id: String,
    name: String,
    age: u32,
    nickname: Option<String>,
}

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "ORDER#{id}", sk = "ORDER")]
struct Order {
    id: String,
}

async fn misuse(db: dynamorm::Db<App>, user: User) {
    let a = User::attrs();
    // A misspelled attribute does not exist.
    let _ = a.nmae.eq("x");
    // A value of the wrong type.
    let _ = a.age.eq("old");
    // The primary key cannot be updated.
    let _ = db.update(user.key()).set(a.id, "other");
    // Only optional attributes can be removed.
    let _ = db.update(user.key()).remove(a.name);
    // A condition on users cannot guard an order.
    let order = Order { id: "o".into() };
    let _ = db.put(&order).condition(a.age.gt(3));
    let _ = a.nickname;
}

fn main() {}
