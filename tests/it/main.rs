//! Integration tests: one binary (linking the AWS SDK once), one module per concern.
//!
//! Every test that talks to a server runs once per backend (rstest cases `embedded` and
//! `ddb_local`) and creates its own uniquely named table. The `ddb_local` cases need
//! DynamoDB Local at `DYNAMORM_DDB_LOCAL_ENDPOINT`; `scripts/test.sh` starts it.

mod batch;
mod big_time_deals;
mod bulk;
mod crud;
mod cursor_forgery;
mod deploy;
mod design;
mod doctor;
mod errors;
mod harness;
mod key_parts;
mod keys;
mod lambda;
mod layouts;
mod lifecycle;
mod loader;
mod local_server;
mod marshal;
mod migrate;
mod multi_attribute;
mod nested_updates;
mod observe;
mod partition_limits;
mod projections;
mod queries;
mod redaction;
mod registry;
mod report;
mod scan_pages;
mod shape_writes;
mod shapes;
mod sharding;
mod sort_ranges;
mod stream_write;
mod streams;
mod table;
mod templates;
mod transactions;
mod updates;
mod vectors;
mod wire;
mod write_guarantees;
mod write_properties;
mod write_races;
