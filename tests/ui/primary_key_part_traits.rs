// A custom key part without the traits the generated key struct derives.
use serde::{Deserialize, Serialize};

#[derive(dynamorm::Table)]
#[dynamo(name = "app")]
struct App;

#[derive(Serialize, Deserialize)]
struct Region(String);

impl dynamorm::KeyPart for Region {
    fn write_key(&self, out: &mut String) -> Result<(), dynamorm::KeyError> {
        self.0.write_key(out)
    }
    fn parse_key(encoded: &str) -> Result<Self, dynamorm::KeyError> {
        String::parse_key(encoded).map(Region)
    }
}

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "REGION#{region}", sk = "META")]
struct Meta {
    region: Region,
}

fn main() {}
