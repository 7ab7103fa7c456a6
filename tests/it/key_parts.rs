//! A custom `KeyPart` that writes the delimiter or a character below `$` is refused before
//! anything is sent, on every path that renders keys: writes, gets, queries, index keys and
//! unique-value sentinels.

use dynamorm::{Db, Error, KeyError, KeyPart};
use rstest::rstest;
use serde::{Deserialize, Serialize};

use crate::harness::{Backend, unique_name};

/// A part that writes itself raw: `x#y` would forge a two-part key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(crate) struct Raw(String);

impl KeyPart for Raw {
    fn write_key(&self, out: &mut String) -> Result<(), KeyError> {
        out.push_str(&self.0);
        Ok(())
    }
    fn parse_key(encoded: &str) -> Result<Self, KeyError> {
        Ok(Raw(encoded.to_owned()))
    }
}

#[derive(Debug, dynamorm::Table)]
#[dynamo(name = "parts", index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))]
pub(crate) struct Parts;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Parts, pk = "BAD#{id}", sk = "BAD")]
#[dynamo(index(GSI1, pk = "BY#{tag}", sk = "BAD"))]
pub(crate) struct Bad {
    id: Raw,
    tag: Raw,
    #[dynamo(unique)]
    code: Raw,
}

/// Without unique fields, so batches take it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Parts, pk = "PLAIN#{id}", sk = "PLAIN")]
pub(crate) struct Plain {
    id: Raw,
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn a_custom_key_part_cannot_forge_keys_on_any_path(#[case] backend: Backend) {
    let (client, _server, counter) = crate::harness::counting_client(backend);
    let db = Db::<Parts>::with_table_name(client, unique_name("key-parts"));
    db.create_table().await.expect("create");
    let good = Bad {
        id: Raw("x".into()),
        tag: Raw("t".into()),
        code: Raw("c".into()),
    };
    db.put(&good)
        .send()
        .await
        .expect("a well-behaved value is stored");
    let before = counter.snapshot();

    let a = Bad::attrs();
    let mut results: Vec<(&str, Result<(), Error>)> = Vec::new();
    for bad in ["x#y", "x$", "a b", "\u{1}"] {
        let forged = Bad {
            id: Raw(bad.into()),
            ..good.clone()
        };
        results.push(("put", db.put(&forged).send().await.map(|_| ())));
        results.push((
            "get",
            db.get(BadKey {
                id: Raw(bad.into()),
            })
            .send()
            .await
            .map(|_| ()),
        ));
        results.push((
            "index key",
            db.put(&Bad {
                tag: Raw(bad.into()),
                ..good.clone()
            })
            .send()
            .await
            .map(|_| ()),
        ));
        results.push((
            "unique",
            db.put(&Bad {
                code: Raw(bad.into()),
                ..good.clone()
            })
            .send()
            .await
            .map(|_| ()),
        ));
        results.push((
            "update",
            db.update(good.key())
                .set(a.tag, Raw(bad.into()))
                .send()
                .await
                .map(|_| ()),
        ));
        results.push((
            "query",
            db.query(a.id.is(Raw(bad.into()))).all().await.map(|_| ()),
        ));
        results.push((
            "update unique",
            db.update(good.key())
                .set(a.code, Raw(bad.into()))
                .send()
                .await
                .map(|_| ()),
        ));
        let plain = Plain {
            id: Raw(bad.into()),
        };
        results.push((
            "batch",
            db.batch_write().put(&plain).send().await.map(|_| ()),
        ));
        results.push((
            "transaction",
            db.transact_write()
                .action(db.put(&plain))
                .send()
                .await
                .map(|_| ()),
        ));
    }
    let wrong: Vec<String> = results
        .iter()
        .filter(|(_, r)| !matches!(r, Err(Error::Key(KeyError::Malformed { .. }))))
        .map(|(what, r)| format!("{what}: {r:?}"))
        .collect();
    assert!(wrong.is_empty(), "not refused: {wrong:#?}");
    assert_eq!(
        counter.snapshot(),
        before,
        "a forged key reached the server"
    );
}
