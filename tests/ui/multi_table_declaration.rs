// A multi-attribute index on the table: DynamoDB's limits and one type per attribute.
#[derive(dynamorm::Table)]
#[dynamo(name = "games")]
#[dynamo(index(TooMany, pk = [a: S, b: S, c: S, d: S, e: S]))]
#[dynamo(index(Untyped, pk = [a], sk = [w: X]))]
#[dynamo(index(Reserved, pk = [PK: S]))]
#[dynamo(index(Retyped, pk = [a: N], sk = [w: S, w: S]))]
#[dynamo(index(Mixed, pk = "GSI1PK", sk = [w: N]))]
#[dynamo(index(NoPartition, sk = [w: N]))]
struct Games;

fn main() {}
