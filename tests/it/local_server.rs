//! The embedded engine lives as long as anything that talks to it: a dropped `Target` does
//! not stop it under a client still in use.

use std::time::{Duration, Instant};

#[tokio::test]
async fn a_client_keeps_the_embedded_engine_alive_and_the_last_one_stops_it() {
    let (client, target) = dynamorm_local::connect().await.expect("connects");
    let endpoint = match &target {
        dynamorm_local::Target::Embedded(server) => server.endpoint(),
        dynamorm_local::Target::Remote => panic!("the tests run without AWS_ENDPOINT_URL"),
    };
    // Dropping the target at once was the newcomer's mistake the issue describes.
    drop(target);
    let tables = client.list_tables().send().await;
    assert!(
        tables.is_ok(),
        "the engine stopped under its client: {tables:?}"
    );

    let clone = client.clone();
    drop(client);
    assert!(
        clone.list_tables().send().await.is_ok(),
        "a clone keeps it alive"
    );
    drop(clone);

    // With every client gone the engine stops (asynchronously, on its own thread).
    let probe = aws_sdk_dynamodb::Client::from_conf(dynamorm_local::loopback_config(&endpoint));
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if probe.list_tables().send().await.is_err() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the engine still answers after its last client went"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
