//! An `include` index past the twentieth: projections are checked against the first 20
//! index positions (DynamoDB's default quota), so the table derive says where to declare it.

#[derive(dynamorm::Table)]
#[dynamo(name = "wide")]
#[dynamo(index(GSI1, pk = "GSI1PK"))]
#[dynamo(index(GSI2, pk = "GSI2PK"))]
#[dynamo(index(GSI3, pk = "GSI3PK"))]
#[dynamo(index(GSI4, pk = "GSI4PK"))]
#[dynamo(index(GSI5, pk = "GSI5PK"))]
#[dynamo(index(GSI6, pk = "GSI6PK"))]
#[dynamo(index(GSI7, pk = "GSI7PK"))]
#[dynamo(index(GSI8, pk = "GSI8PK"))]
#[dynamo(index(GSI9, pk = "GSI9PK"))]
#[dynamo(index(GSI10, pk = "GSI10PK"))]
#[dynamo(index(GSI11, pk = "GSI11PK"))]
#[dynamo(index(GSI12, pk = "GSI12PK"))]
#[dynamo(index(GSI13, pk = "GSI13PK"))]
#[dynamo(index(GSI14, pk = "GSI14PK"))]
#[dynamo(index(GSI15, pk = "GSI15PK"))]
#[dynamo(index(GSI16, pk = "GSI16PK"))]
#[dynamo(index(GSI17, pk = "GSI17PK"))]
#[dynamo(index(GSI18, pk = "GSI18PK"))]
#[dynamo(index(GSI19, pk = "GSI19PK"))]
#[dynamo(index(GSI20, pk = "GSI20PK"))]
#[dynamo(index(GSI21, pk = "GSI21PK", projection = include(title)))]
pub struct Wide;

fn main() {}
