// Vector index declarations DynamoDB would refuse, each reported on the user's tokens.

#[derive(dynamorm::Table)]
#[dynamo(name = "t")]
#[dynamo(vector_index(NoDimensions, vector = "v", distance = cosine))]
#[dynamo(vector_index(TooMany, vector = "v", dimensions = 5000, distance = cosine))]
#[dynamo(vector_index(Manhattan, vector = "v", dimensions = 4, distance = manhattan))]
#[dynamo(vector_index(Untyped, vector = "w", dimensions = 4, distance = cosine, hash = tenant))]
#[dynamo(vector_index(Twice, vector = "x", dimensions = 4, distance = cosine, hash = a: S, filters = [a: S, b: Q]))]
#[dynamo(vector_index(OnTheKey, vector = "PK", dimensions = 4, distance = euclidean))]
#[dynamo(vector_index(Other, vector = "v", dimensions = 8, distance = cosine))]
pub struct Tables;

#[derive(dynamorm::Table)]
#[dynamo(name = "u")]
#[dynamo(index(GSI1, pk = [region: S]))]
#[dynamo(vector_index(GSI1, vector = "v", dimensions = 4, distance = cosine))]
#[dynamo(vector_index(Ab, vector = "w", dimensions = 4, distance = cosine))]
#[dynamo(vector_index(Typed, vector = "region", dimensions = 4, distance = cosine, filters = [region: N, _type: N]))]
#[dynamo(vector_index(Included, vector = "x", dimensions = 4, distance = cosine, projection = include(_type, title)))]
#[dynamo(vector_index(OnAVector, vector = "y", dimensions = 4, distance = cosine, filters = [x: S]))]
pub struct Clashes;

fn main() {}
