use serde::{Deserialize, Serialize};

#[derive(dynamorm::Table)]
#[dynamo(name = "app")]
struct App;

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "USER#{id}", sk = "PROFILE")]
struct User {
    id: String,
}

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "ORDER#{id}", sk = "ORDER")]
struct Order {
    id: String,
}

// Users and orders live in different partitions: one query cannot return both.
#[derive(Default, dynamorm::Collection)]
#[dynamo(table = App)]
struct UserWithOrders {
    user: Option<User>,
    orders: Vec<Order>,
}

fn main() {}
